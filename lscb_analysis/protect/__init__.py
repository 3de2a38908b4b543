"""Protecting children's data: disclosure control, the identifier scan, pseudonyms, safe
spreadsheet writing, the display guard and the recovery attack on board outputs."""
