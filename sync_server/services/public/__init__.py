"""What citizens may ask the city without an account. Everything they answer is a
``PublicCase``: the plain statuses, the applicant's name masked, nothing else personal.

verify     is this printed document genuine (its seal against the station's keys)
progress   办理进度查询: 受理编号 and the last six characters of the ID number, no oracle
case_view  a case as the public may see it
limits     look-ups counted per client and per case in the database, refusals
"""
