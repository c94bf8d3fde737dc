"""Dates as the board writes them (2025.02.23 18:40), in the admin and every
`|date` without a format; Django's Korean formats give the rest."""

DATE_FORMAT = SHORT_DATE_FORMAT = "Y.m.d"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "Y.m.d H:i"
TIME_FORMAT = "H:i"
