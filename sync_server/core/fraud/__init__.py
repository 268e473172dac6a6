"""Anti-fraud rules (部门协同防欺诈), pure: other departments' files read row by row, the
checks that turn what they say and the records into 稽核 findings, and what a confirmed
finding recovers.

    exchange_file     the CSV each department sends, validated row by row (line and code)
    findings          the checks: death, cremation, prison, two benefits, no 资格认证, one account
    recovery          a confirmed case's record changes: the overpaid months as a payable to recover
"""
