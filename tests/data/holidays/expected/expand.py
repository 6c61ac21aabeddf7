#!/usr/bin/python3
"""Independent expansion of an .ics file (python3-icalendar +
python3-recurring-ical-events, no libical): prints the Mon-Fri dates closed by
all-day events from 2020 to 2040, by the sloppy-feed rules of SPEC 4.5.
Usage: /usr/bin/python3 expand.py FILE.ics ZONE > expected.txt
Used once to write the expected files here; the tests do not run it."""
import sys, datetime as dt
import icalendar, recurring_ical_events
from zoneinfo import ZoneInfo
zone=ZoneInfo(sys.argv[2])
path=sys.argv[1]
cal=icalendar.Calendar.from_ical(open(path,'rb').read())
out=set()
for ev in recurring_ical_events.of(cal).between(dt.date(2020,1,1), dt.date(2041,1,1)):
    s=ev['DTSTART'].dt
    e=ev.get('DTEND')
    if isinstance(s, dt.datetime): continue
    ed = e.dt if e is not None else s+dt.timedelta(days=1)
    if isinstance(ed, dt.datetime):
        ed = ed.astimezone(zone) if ed.tzinfo else ed
        ed = ed.date() + (dt.timedelta(days=1) if (ed.hour or ed.minute or ed.second) else dt.timedelta(0))
    if ed <= s: ed = s+dt.timedelta(days=1)
    d=s
    while d<ed:
        out.add(d); d+=dt.timedelta(days=1)
for d in sorted(out):
    if d.weekday()<5 and dt.date(2020,1,1)<=d<dt.date(2041,1,1): print(d.strftime('%Y-%m-%d'))
