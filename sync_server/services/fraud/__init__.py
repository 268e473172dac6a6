"""Anti-fraud (部门协同防欺诈): other departments' files, the checks, the 稽核 cases.

exchange          import a department's file once (its hash), its rows in one transaction, then check
checks            run the checks for some persons (on import) or for everyone in payment (monthly)
cases             the 稽核 cases: list, one case with its evidence, confirm (追回) or dismiss
case_view         one case as the 稽核 page shows it: the department's row, benefits, the recovery
"""
