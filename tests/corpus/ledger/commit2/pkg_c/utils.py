"""Utilities."""
UTIL_002 = 2
UTIL_003 = 3
UTIL_004 = 4
UTIL_005 = 5
UTIL_006 = 6
UTIL_007 = 7
UTIL_008 = 8
UTIL_009 = 9
UTIL_010 = 10
UTIL_011 = 11
UTIL_012 = 12
UTIL_013 = 13
UTIL_014 = 14
UTIL_015 = 15
UTIL_016 = 16
UTIL_017 = 17
UTIL_018 = 18
UTIL_019 = 19
UTIL_020 = 20
UTIL_021 = 21
UTIL_022 = 22
UTIL_023 = 23
UTIL_024 = 24
UTIL_025 = 25
UTIL_026 = 26
UTIL_027 = 27
UTIL_028 = 28
UTIL_029 = 29
UTIL_030 = 30
UTIL_031 = 31
UTIL_032 = 32
UTIL_033 = 33
UTIL_034 = 34
UTIL_035 = 35
UTIL_036 = 36
UTIL_037 = 37
UTIL_038 = 38
UTIL_039 = 39
UTIL_040 = 40
UTIL_041 = 41
UTIL_042 = 42
UTIL_043 = 43
UTIL_044 = 44
def clean_paths(paths: list[str]) -> list[str]:
    """Strip every path."""
    out = [p.strip() for p in paths]
    out = [p for p in out if p]
    out.sort()
    return out
