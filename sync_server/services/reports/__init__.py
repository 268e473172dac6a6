"""Reports: what supervisors and finance read.

dashboard         the supervisors' figures
clearing          the county clearing report
"""
