# "mar. 1 juil. 2025, 10:30": French month and day abbreviations end with a full stop.
DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "D. j N Y, H:i"
SHORT_DATETIME_FORMAT = "j N Y, H:i"
SHORT_DATE_FORMAT = "d/m/Y"
TIME_FORMAT = "H:i"
DECIMAL_SEPARATOR = ","
# A narrow no-break space, as the Imprimerie nationale sets thousands: "1 250 €" never breaks across lines.
THOUSAND_SEPARATOR = "\u202f"
NUMBER_GROUPING = 3
# The dashboard's own patterns (`local_time`), beside Django's names.
DATETIME_SECONDS_FORMAT = "D. j N Y, H:i:s"
SHORT_DATETIME_SECONDS_FORMAT = "j N Y, H:i:s"
DAY_TIME_FORMAT = "D. j N, H:i"
SHORT_DAY_TIME_FORMAT = "j N, H:i"
