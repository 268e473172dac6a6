"""Demo data, apart from production code: ``sync-server seed-demo``.

seed              stations, staff, the synthetic registry and its histories, loaded in bulk
seed_registry     the synthetic, deterministic Leshan registry: units, persons, enrolments
seed_lives        each person's standing: history, benefits (with their calculation), card
seed_histories    contribution records, archived year summaries and personal accounts
seed_params       the yearly wages and 记账利率 the histories use (rate book, else demo series)
seed_cases        weeks of casework (--weeks): stations push, reviewers decide, on a moved clock
seed_stations     each demo station's phone, address and 缴费收据 number range
"""
