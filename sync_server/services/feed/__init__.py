"""Feed: what goes down to the stations, in commit order.

changes           writing the commit-ordered feed (``changes``)
pull              reading it after a station's cursor
served_page       a page as sent: feed rows passed through as the JSON text held
snapshot          a station's first download, read from the tables
person_slice      a person as the township's stations hold them: registry row and the records
                  the desk needs; telling the township when those records change
members           the persons a slice read is about, and how other tables' rows meet them
case_records      feed changes saying where a station's cases stand
digest            what a station should hold, as a digest
start_over        ordering a station to drop its downloaded data and pull again
prune             deleting old rows every active station has seen (the prune mark)
"""
