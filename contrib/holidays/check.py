#!/usr/bin/python3
"""Compares the generated .ics files with Debian's python3-holidays (an
independent source). Prints every difference; exits 1 on any difference not
listed in KNOWN (each explained in README.md). Run: python3 check.py"""
import datetime as dt
import os
import re
import sys

import holidays

HERE = os.path.dirname(os.path.abspath(__file__))
YEARS = range(2020, 2036)
# (file, python3-holidays country object factory)
PAIRS = [("norway", lambda y: holidays.Norway(years=y, include_sundays=False)),
         ("sweden", lambda y: holidays.Sweden(years=y, include_sundays=False)),
         ("denmark", lambda y: holidays.Denmark(years=y)),
         ("finland", lambda y: holidays.Finland(years=y)),
         ("germany", lambda y: holidays.Germany(years=y)),
         ("uk-england-wales", lambda y: holidays.England(years=y)),
         ("us-federal", lambda y: holidays.UnitedStates(years=y))]
# Differences explained in README.md: python3-holidays 0.10.1 lacks Juneteenth
# (federal since 2021), the 2022 state funeral and 2023 coronation bank
# holidays, still lists Denmark's Store bededag after 2023 (abolished), and
# names substitute/observed days differently.
# 2022: the Spring bank holiday moved to Thu 2 June, plus Fri 3 June (Platinum
# Jubilee); python3-holidays 0.10.1 predates that and keeps Mon 30 May.
KNOWN_DATES = {dt.date(2022, 5, 30), dt.date(2022, 6, 2), dt.date(2022, 6, 3)}
KNOWN = re.compile(r"(Juneteenth|coronation|State Funeral|Store bededag|observed|substitute)", re.I)


def ics_dates(name):
    out = {}
    with open(os.path.join(HERE, name + ".ics"), encoding="utf-8") as f:
        text = f.read().replace("\r\n ", "")
    for ev in text.split("BEGIN:VEVENT")[1:]:
        d = re.search(r"DTSTART;VALUE=DATE:(\d{8})", ev).group(1)
        s = re.search(r"SUMMARY:(.*)", ev).group(1).strip()
        out.setdefault(dt.date(int(d[:4]), int(d[4:6]), int(d[6:])), s)
    return out


def main():
    bad = 0
    for name, mk in PAIRS:
        ours = {d: s for d, s in ics_dates(name).items() if d.year in YEARS}
        ref = {}
        for y in YEARS:
            ref.update(mk(y))
        for d in sorted(set(ours) | set(ref)):
            if d in ours and d in ref:
                continue
            label = ours.get(d) or ref.get(d)
            # A Sunday difference (e.g. Palm Sunday) cannot change Mon-Sat hours.
            known = bool(KNOWN.search(label)) or d.weekday() == 6 or d in KNOWN_DATES
            print("%-18s %s only in %-16s %s%s" % (name, d, "generated" if d in ours else "python3-holidays",
                                                   label, "" if not known else "  [known]"))
            bad += not known
    print("unexplained differences:", bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
