"""Review: the back office's work on a case (docs/console.md).

decide            claim and decide
chief             reassign, release, re-route
queue             the section queue and its workload
case_view         everything the case page shows
conflicts         conflict cases: both versions side by side, and their resolution
case_money        money follows the decision: a case's desk money out of suspense
case_effects      an approval takes effect in the records (core.effects), and its preview
case_moves        writing a case's move (``core.case_moved``): events, feed, audit
"""
