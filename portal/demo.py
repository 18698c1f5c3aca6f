"""Demo content for the portal: site settings, home page, about and contacts pages."""


def load(*, out, rng):
    out("  （门户演示内容待补充）")
