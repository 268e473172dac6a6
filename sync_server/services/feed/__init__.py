"""Feed: what goes down to the stations, in commit order.

changes           writing the commit-ordered feed (``changes``)
pull              reading it after a station's cursor
snapshot          a station's first download, read from the tables
person_slice      a person as the township's stations hold them: registry row and the records
                  the desk needs; telling the township when those records change
case_records      feed changes saying where a station's cases stand
digest            what a station should hold, as a digest
start_over        ordering a station to drop its downloaded data and pull again
prune             deleting old rows every active station has seen (the prune mark)
"""
