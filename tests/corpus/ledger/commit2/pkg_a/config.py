"""Configuration values."""

from dataclasses import dataclass

CFG_004 = 4
CFG_005 = 5
CFG_006 = 6
CFG_007 = 7
CFG_008 = 8
CFG_009 = 9
CFG_010 = 10
CFG_011 = 11
CFG_012 = 12
CFG_013 = 13
CFG_014 = 14
CFG_015 = 15
CFG_016 = 16
CFG_017 = 17
CFG_018 = 18
CFG_019 = 19
CFG_020 = 2000
CFG_021 = 2100
CFG_022 = 2200
CFG_023 = 23
CFG_024 = 24
CFG_025 = 25
CFG_026 = 26
CFG_027 = 27
CFG_028 = 28
CFG_029 = 29
CFG_030 = 30
CFG_031 = 31
CFG_032 = 32
CFG_033 = 33
CFG_034 = 34
CFG_035 = 35
CFG_036 = 36
CFG_037 = 37
CFG_038 = 38
CFG_039 = 39
CFG_045 = 45
CFG_046 = 46
CFG_047 = 47
CFG_048 = 48
CFG_049 = 49
CFG_050 = 50
CFG_051 = 51
CFG_052 = 52
CFG_053 = 53
CFG_054 = 54
CFG_055 = 55
CFG_056 = 56
CFG_057 = 57
CFG_058 = 58
CFG_059 = 59
CFG_060 = 60
CFG_061 = 61
CFG_062 = 62
CFG_063 = 63
CFG_064 = 64
CFG_065 = 65
CFG_066 = 66
CFG_067 = 67
CFG_068 = 68
CFG_069 = 69


@dataclass
class TrainConfig:
    field_072: int = 72
    field_073: int = 73
    field_074: int = 74
    field_075: int = 75
    field_076: int = 76
    field_077: int = 77
    field_078: int = 78
    field_079: int = 79
    last_field: int = 80
