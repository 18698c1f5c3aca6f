"""Demo schools, classes, staff and students."""


def load(*, out, rng):
    out("  （学校演示数据待补充）")
