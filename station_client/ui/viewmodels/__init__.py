"""State and wording of each screen, with no Tk: tested without a window.

sync        the sync bar                 workbench  首页 tiles
desk        who is served, for what      person     ID checks, the registry card
items       the catalog search           divisions  townships by pinyin
form        fields, materials, scans     finish     核对 and 办结
cases       list lines and marks
"""
