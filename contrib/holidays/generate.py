#!/usr/bin/python3
"""Generates the public-holiday .ics files in this folder (2020-2040).

Rules are written out below per country (see README.md for the sources).
Easter uses the Gregorian computus (anonymous algorithm, Meeus/Jones/Butcher).
Each holiday is one explicit all-day VEVENT (DTEND = next day), CRLF line ends,
so any iCalendar reader gets the same dates. Run: python3 generate.py
"""
import datetime as dt
import os

Y0, Y1 = 2020, 2040
D = dt.date
ONE = dt.timedelta(days=1)


def easter(y):
    a, b, c = y % 19, y // 100, y % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return D(y, month, day)


def nth_weekday(y, m, wd, n):
    """n-th (1-based; -1 = last) weekday wd (0 = Monday) of month m."""
    if n > 0:
        d = D(y, m, 1)
        d += dt.timedelta(days=(wd - d.weekday()) % 7)
        return d + dt.timedelta(weeks=n - 1)
    d = (D(y, m + 1, 1) if m < 12 else D(y + 1, 1, 1)) - ONE
    return d - dt.timedelta(days=(d.weekday() - wd) % 7)


def weekday_between(y, m, d0, wd):
    """The weekday wd falling in month m, days d0..d0+6."""
    d = D(y, m, d0)
    return d + dt.timedelta(days=(wd - d.weekday()) % 7)


def norway(y):
    e = easter(y)
    return [(D(y, 1, 1), "Første nyttårsdag"), (e - 3 * ONE, "Skjærtorsdag"), (e - 2 * ONE, "Langfredag"),
            (e, "Første påskedag"), (e + ONE, "Andre påskedag"), (D(y, 5, 1), "Arbeidernes dag"),
            (D(y, 5, 17), "Grunnlovsdag"), (e + 39 * ONE, "Kristi himmelfartsdag"),
            (e + 49 * ONE, "Første pinsedag"), (e + 50 * ONE, "Andre pinsedag"),
            (D(y, 12, 25), "Første juledag"), (D(y, 12, 26), "Andre juledag")]


def sweden(y):
    e = easter(y)
    mid_eve = weekday_between(y, 6, 19, 4)
    return [(D(y, 1, 1), "Nyårsdagen"), (D(y, 1, 6), "Trettondedag jul"), (e - 2 * ONE, "Långfredagen"),
            (e, "Påskdagen"), (e + ONE, "Annandag påsk"), (D(y, 5, 1), "Första maj"),
            (e + 39 * ONE, "Kristi himmelsfärdsdag"), (e + 49 * ONE, "Pingstdagen"),
            (D(y, 6, 6), "Sveriges nationaldag"), (mid_eve, "Midsommarafton"),
            (mid_eve + ONE, "Midsommardagen"), (weekday_between(y, 10, 31, 5), "Alla helgons dag"),
            (D(y, 12, 24), "Julafton"), (D(y, 12, 25), "Juldagen"), (D(y, 12, 26), "Annandag jul"),
            (D(y, 12, 31), "Nyårsafton")]


def denmark(y):
    e = easter(y)
    h = [(D(y, 1, 1), "Nytårsdag"), (e - 3 * ONE, "Skærtorsdag"), (e - 2 * ONE, "Langfredag"),
         (e, "Påskedag"), (e + ONE, "Anden påskedag")]
    if y < 2024:  # abolished by law L 2023-02-28 from 2024
        h.append((e + 26 * ONE, "Store bededag"))
    h += [(e + 39 * ONE, "Kristi himmelfartsdag"), (e + 49 * ONE, "Pinsedag"), (e + 50 * ONE, "Anden pinsedag"),
          (D(y, 12, 25), "Juledag"), (D(y, 12, 26), "Anden juledag")]
    return h


def finland(y):
    e = easter(y)
    mid_eve = weekday_between(y, 6, 19, 4)
    return [(D(y, 1, 1), "Uudenvuodenpäivä"), (D(y, 1, 6), "Loppiainen"), (e - 2 * ONE, "Pitkäperjantai"),
            (e, "Pääsiäispäivä"), (e + ONE, "2. pääsiäispäivä"), (D(y, 5, 1), "Vappu"),
            (e + 39 * ONE, "Helatorstai"), (e + 49 * ONE, "Helluntaipäivä"), (mid_eve, "Juhannusaatto"),
            (mid_eve + ONE, "Juhannuspäivä"), (weekday_between(y, 10, 31, 5), "Pyhäinpäivä"),
            (D(y, 12, 6), "Itsenäisyyspäivä"), (D(y, 12, 24), "Jouluaatto"), (D(y, 12, 25), "Joulupäivä"),
            (D(y, 12, 26), "Tapaninpäivä")]


def germany(y):
    e = easter(y)
    return [(D(y, 1, 1), "Neujahr"), (e - 2 * ONE, "Karfreitag"), (e + ONE, "Ostermontag"),
            (D(y, 5, 1), "Tag der Arbeit"), (e + 39 * ONE, "Christi Himmelfahrt"), (e + 50 * ONE, "Pfingstmontag"),
            (D(y, 10, 3), "Tag der Deutschen Einheit"), (D(y, 12, 25), "1. Weihnachtstag"),
            (D(y, 12, 26), "2. Weihnachtstag")]


def uk(y):
    e = easter(y)
    h = []
    ny = D(y, 1, 1)
    h.append((ny, "New Year's Day"))
    if ny.weekday() >= 5:  # Saturday or Sunday: substitute on the Monday
        h.append((ny + dt.timedelta(days=7 - ny.weekday()), "New Year's Day (substitute day)"))
    h += [(e - 2 * ONE, "Good Friday"), (e + ONE, "Easter Monday")]
    early = D(2020, 5, 8) if y == 2020 else nth_weekday(y, 5, 0, 1)  # VE Day 75 in 2020
    h.append((early, "Early May bank holiday"))
    spring = D(2022, 6, 2) if y == 2022 else nth_weekday(y, 5, 0, -1)
    h.append((spring, "Spring bank holiday"))
    if y == 2022:
        h += [(D(2022, 6, 3), "Platinum Jubilee bank holiday"),
              (D(2022, 9, 19), "State Funeral of Queen Elizabeth II")]
    if y == 2023:
        h.append((D(2023, 5, 8), "Bank holiday for the coronation of King Charles III"))
    h.append((nth_weekday(y, 8, 0, -1), "Summer bank holiday"))
    xmas, box = D(y, 12, 25), D(y, 12, 26)
    h += [(xmas, "Christmas Day"), (box, "Boxing Day")]
    if xmas.weekday() == 5:  # Sat: Christmas -> Mon 27, Boxing (Sun) -> Tue 28
        h += [(D(y, 12, 27), "Christmas Day (substitute day)"), (D(y, 12, 28), "Boxing Day (substitute day)")]
    elif xmas.weekday() == 6:  # Sun: Boxing stays Mon 26, Christmas -> Tue 27
        h.append((D(y, 12, 27), "Christmas Day (substitute day)"))
    elif xmas.weekday() == 4:  # Fri: Boxing (Sat) -> Mon 28
        h.append((D(y, 12, 28), "Boxing Day (substitute day)"))
    return h


def us(y):
    h = []

    def fixed(d, name):
        h.append((d, name))
        if d.weekday() == 5:
            h.append((d - ONE, name + " (observed)"))
        elif d.weekday() == 6:
            h.append((d + ONE, name + " (observed)"))

    fixed(D(y, 1, 1), "New Year's Day")
    h.append((nth_weekday(y, 1, 0, 3), "Birthday of Martin Luther King, Jr."))
    h.append((nth_weekday(y, 2, 0, 3), "Washington's Birthday"))
    h.append((nth_weekday(y, 5, 0, -1), "Memorial Day"))
    if y >= 2021:
        fixed(D(y, 6, 19), "Juneteenth National Independence Day")
    fixed(D(y, 7, 4), "Independence Day")
    h.append((nth_weekday(y, 9, 0, 1), "Labor Day"))
    h.append((nth_weekday(y, 10, 0, 2), "Columbus Day"))
    fixed(D(y, 11, 11), "Veterans Day")
    h.append((nth_weekday(y, 11, 3, 4), "Thanksgiving Day"))
    fixed(D(y, 12, 25), "Christmas Day")
    # New Year's Day of y+1 on a Saturday is observed on Dec 31 of y.
    if D(y + 1, 1, 1).weekday() == 5:
        h.append((D(y, 12, 31), "New Year's Day (observed)"))
    return h


COUNTRIES = [("norway", "Norway", norway), ("sweden", "Sweden", sweden), ("denmark", "Denmark", denmark),
             ("finland", "Finland", finland), ("germany", "Germany (national)", germany),
             ("uk-england-wales", "United Kingdom (England and Wales)", uk),
             ("us-federal", "United States (federal)", us)]


def fold(line):
    """Folds a content line at 75 octets without splitting a UTF-8 character."""
    b = line.encode("utf-8")
    out, cur = [], b""
    for ch in line:
        c = ch.encode("utf-8")
        if len(cur) + len(c) > (75 if not out else 74):
            out.append(cur)
            cur = b""
        cur += c
    out.append(cur)
    return b"\r\n ".join(out) + b"\r\n" if b else b"\r\n"


def write(fname, title, fn):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//replyclock//contrib/holidays/generate.py//EN",
             "CALSCALE:GREGORIAN", "X-WR-CALNAME:Public holidays: %s %d-%d" % (title, Y0, Y1)]
    for y in range(Y0, Y1 + 1):
        for d, name in sorted(fn(y)):
            if d.year != y:
                continue
            lines += ["BEGIN:VEVENT", "UID:%s-%s@replyclock" % (d.strftime("%Y%m%d"), fname),
                      "DTSTAMP:20260101T000000Z", "DTSTART;VALUE=DATE:" + d.strftime("%Y%m%d"),
                      "DTEND;VALUE=DATE:" + (d + ONE).strftime("%Y%m%d"), "SUMMARY:" + name,
                      "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), fname + ".ics"), "wb") as f:
        for l in lines:
            f.write(fold(l))


if __name__ == "__main__":
    for fname, title, fn in COUNTRIES:
        write(fname, title, fn)
