"""Finance: the fund's monthly automations over the one database (docs/server.md).

collection        the month's collection plan (征缴计划), arrears (欠费) and late fees (滞纳金), the township dues list
dues_feed         the stations' 催缴名单: one township_dues change per township, refreshed at each plan build
collection_view   the 征缴计划 section of the 基金财务 page: totals by county and insurance, arrears to a day
payment           the month's payment plan (支付计划): build, maker and checker, export of the bank files
bank_return       a bank's returned file (退票): the payments it could not credit go back to payable
journal           automatic posting (财务入账): every ledger row, payable and paid plan line as one balanced entry
month_close       month close (月结): trial balance per fund, refusals, the lock; the collection plan's lock
receipt_stock     the stations' 票据号段: ranges allocated apart, sent down; voids the stations report
receipts_issued   the 票据号码 a station issued (its cases' and voids'): told a restored PC at re-enrolment
station_closes    the stations' daily closes (日结) as received: listed for finance and the CLI
deposits          the bank's deposit file imported once and matched to the stations' closes
notices           缴费通知单 paid through the bank: issued, confirmed by the bank's file, written as records
"""
