"""Services: the imperative shell over the store, called alike by the UI, the CLI and tests.

session      offline login, lockout, idle lock, switching clerks, unlocking the data key
enrolment    enrol this PC with the city server; keys, pinned CA, recovery key
reference    catalog, rates and working-day calendar: pulled copy or the built-in one
registry     the township's registry slice: find by ID number or name, apply records
intake       one case: validate, number, write case + outbox + audit in one transaction
supplement   补正 of a returned case, withdrawal, handing a decision over
decisions    applying decisions and case-status records pulled from the server
receipts     completion slips, acceptance receipts, payment receipts
status       what ``station-client status`` shows
"""
