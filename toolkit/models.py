# Tools, themes, case studies and plans arrive with the toolkit issue; the
# dimensions they are filed under are in toolkit/dimensions.py.
