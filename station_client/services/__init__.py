"""Services: the imperative shell over the store, called alike by the UI, the CLI and tests.

session      offline login, lockout, idle lock, switching clerks, unlocking the data key
password_change  a clerk's own new password: re-wrapped data key, outbox operation
enrolment    enrol this PC with the city server; keys, pinned CA, recovery key
backup       the encrypted store copied to a second place, restored on a new PC, lost cases
reference    catalog, rates and working-day calendar: pulled copy or the built-in one
registry     the township's registry slice: find by ID number or name, apply records
person_search  a person of the slice by ID number, name, part of a name or pinyin
dues         the township's 催缴名单 (flexible workers due or in arrears): apply, read, print
intake       one case: validate, number, write case + outbox + audit in one transaction
supplement   补正 of a returned case, withdrawal, handing a decision over
decisions    applying decisions and case-status records pulled from the server
receipts     completion slips, acceptance receipts, payment receipts (the records)
receipt_stock  the city's 票据号段: numbering payment receipts without gaps, voids with a second clerk
receipt_pdf  receipts and the 一次性告知单 as PDFs      pdf_fonts     a Chinese font for them
daily_close  日结: the day's cash counted against receipts issued − voided, sent once
close_pdf    the 日结单: the sums, the count by denomination, every receipt of the close
payment_notice  缴费通知单: a G12/G14 paid at the bank instead of cash (reference, outbox, no case)
payment_notice_pdf  the 缴费通知单 on one page: reference in groups of four, amount, how to pay
receipt_seal the seal in a receipt's QR code (a URL on the city server)
pdf_signing  the PAdES signature on payment receipt PDFs; the station's document certificate
station_contact  the station's own phone and address from the city, printed on documents
audit_anchor  the city's latest signed audit checkpoint, kept to check the city's audit log against
document_check  核验: a printed document's seal checked offline with the keys the desk holds
desk         the workbench's figures for today and how the desk uses the catalog
caselist     this station's cases: filters, search    case_detail   one case and its history
set_aside    operations the server refused (同步问题), the reason and what to do
resend       a corrected operation sent again under a new operation id
errors       ServiceError, the error every service raises for the clerk

Syncing (the agent, push, pull, scans, the status the clerk sees) is ``station_client.sync``.
"""
