"""Presentation: the table presenter and data dictionary, charts and their text, the HTML
report, print (PDF) and workbook print settings, the latest-period verdict."""
