"""Reports: what supervisors and finance read.

dashboard         the supervisors' figures
clearing          the county clearing report
ledger_check      the ledger and the contribution records agree, case by case
statistics        the month's statistics (统计月报) by county and township
"""
