# The day before the month, as agencies in Europe read dates, even in English.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "D j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "d/m/Y"
TIME_FORMAT = "H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
# The dashboard's own patterns (`local_time`), beside Django's names.
DATETIME_SECONDS_FORMAT = "D j M Y, H:i:s"
SHORT_DATETIME_SECONDS_FORMAT = "j M Y, H:i:s"
DAY_TIME_FORMAT = "D j M, H:i"
SHORT_DAY_TIME_FORMAT = "j M, H:i"
