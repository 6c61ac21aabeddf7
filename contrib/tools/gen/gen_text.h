/* rc-gen, header-only part 1: PRNG, name/subject tables, byte buffer, RFC 2047 /
 * quoted-printable / base64 encoders and local-time helpers. Included once by
 * contrib/tools/rc-gen.c (every function is static), so the Makefile's
 * one-file-per-tool rule still builds the tool. */
#ifndef RC_GEN_TEXT_H
#define RC_GEN_TEXT_H

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- PRNG: splitmix64 for seeding/hashing, xoshiro256** for streams.
 * Never rand(): the output must be identical on every libc. */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A 64-bit hash of three numbers (message identifiers, per-message streams). */
static uint64_t hash3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t x = a * 0x9e3779b97f4a7c15ULL ^ b;
	uint64_t h = splitmix64(&x);
	x ^= c + h;
	return splitmix64(&x);
}

struct rng {
	uint64_t s[4];
};

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return result;
}

/* Uniform in [0,1). */
static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [lo, hi]. */
static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static int rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

/* Standard normal by Box-Muller (one value per call keeps the stream simple). */
static double rng_normal(struct rng *r)
{
	double u1 = rng_unit(r), u2 = rng_unit(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Log-normal with the given median and shape. */
static double rng_lognormal(struct rng *r, double median, double sigma)
{
	return median * exp(sigma * rng_normal(r));
}

/* Poisson count; normal approximation for large means (per-day start counts). */
static long rng_poisson(struct rng *r, double lambda)
{
	if (lambda > 40) {
		double v = lambda + sqrt(lambda) * rng_normal(r);
		return v < 0 ? 0 : (long)(v + 0.5);
	}
	double l = exp(-lambda), p = 1.0;
	long k = 0;
	do {
		k++;
		p *= rng_unit(r);
	} while (p > l);
	return k - 1;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Tables. Names with æøå on purpose: they end up RFC 2047-encoded. */
static const char *const first_names[] = {
    "Kari",  "Ola",   "Bjørn", "Åse",	"Ingrid", "Lars",  "Sølvi", "Per",     "Marit",	  "Jørgen",
    "Anne",  "Håkon", "Siri",  "Trond", "Ærlig",  "Grete", "Knut",  "Tove",    "Øystein", "Hilde",
    "Espen", "Randi", "Geir",  "Liv",	"Stian",  "Nina",  "Rune",  "Camilla", "Tor",	  "Mette",
};
static const char *const last_names[] = {
    "Hansen",	   "Johansen", "Olsen",	   "Larsen", "Andersen", "Pedersen", "Nilsen",
    "Kristiansen", "Jensen",   "Karlsen",  "Berg",   "Haugen",	 "Hagen",    "Dahl",
    "Jørgensen",   "Lund",     "Sørensen", "Moen",   "Strand",	 "Solberg",  "Eide",
    "Bakken",	   "Lie",      "Ødegård",  "Bråten", "Næss",
};
static const char *const co_prefix[] = {
    "fjord", "nord", "berg", "vik",   "dal", "sol",  "havn", "elv",  "skog", "fjell",
    "lys",   "kyst", "vest", "stein", "bre", "foss", "myr",  "lyng", "tind", "sund",
};
static const char *const co_suffix[] = {
    "tech", "regnskap", "bygg",	     "transport", "media",  "energi", "consult",
    "fisk", "helse",	"logistikk", "eiendom",	  "design", "data",   "handel",
};
static const char *const places[] = {
    "Ålesund", "Tromsø", "Bodø", "Førde", "Sørum", "Hønefoss", "Lærdal", "Jæren",
};
static const char *const tlds[] = {"no", "no", "no", "no", "se", "dk", "com", "no"};
static const char *const freemail[] = {
    "hotmail.com", "outlook.com", "yahoo.no", "online.no", "live.no", "icloud.com", "gmail.com",
};

/* Subjects; %u gets a case/order number so two conversations of one
 * customer rarely share a normalised subject (subject fallback stays exact). */
static const char *const subjects[] = {
    "Faktura %u er ikke mottatt",
    "Problemer med pålogging (sak %u)",
    "Spørsmål om lisens for %u brukere",
    "Feil i månedsrapport %u",
    "Ønsker å endre kontaktperson – kundenr %u",
    "Kan ikke åpne vedlegg i ordre %u",
    "Endring av leveringsadresse, ordre %u",
    "Tilgang for ny ansatt (%u)",
    "Sertifikatet utløper snart – avtale %u",
    "Oppgradering til versjon 4.%u",
    "Server nede? Haster! #%u",
    "Login problem on the portal, ticket %u",
    "Question about invoice %u",
    "Søknad om ekstra kvote for bruker %u",
    "Årsoppgjør %u: mangler bilag",
    "Bestilling %u – bekreftelse mangler",
    "Passordet virker ikke (%u)",
    "Blåskjerm på PC nr %u",
    "Hjelp med import av kundeliste %u",
    "Export fails with error %u",
    "Skriveren på kontor %u står",
    "Prisforespørsel %u",
};

/* Body sentences; some lines start with "From " to exercise mboxrd quoting. */
static const char *const cust_lines[] = {
    "Vi får feilmelding når vi prøver å logge inn.",
    "Kan dere se på dette så snart som mulig?",
    "Det haster litt, vi har møte med styret i morgen.",
    "From the log it looks like the job stopped at 03:00.",
    "Vedlagt skjermbilde av feilen (kom ikke med?).",
    "Hva er status på denne saken?",
    ">From an earlier mail: the problem started on Monday.",
    "Tusen takk for rask hjelp!",
    "Det gjelder også to av mine kolleger på økonomi.",
    "We cannot reach the export page since yesterday.",
};
static const char *const team_lines[] = {
    "Takk for henvendelsen. Vi har sett på saken.",
    "Feilen er rettet, prøv gjerne igjen nå.",
    "Vi trenger litt mer informasjon: hvilken nettleser bruker dere?",
    "From our side everything looks fine now.",
    "Jeg har oppdatert lisensen deres, den gjelder fra i dag.",
    "Saken er sendt videre til utviklerne, vi kommer tilbake med svar.",
};

/* ---- A growable byte buffer (the tool's own; output is trusted data). */
struct buf {
	char *s;
	size_t len, cap;
};

static void buf_grow(struct buf *b, size_t add)
{
	if (b->len + add + 1 <= b->cap)
		return;
	size_t nc = b->cap ? b->cap : 1024;
	while (nc < b->len + add + 1)
		nc *= 2;
	char *ns = realloc(b->s, nc);
	if (!ns) {
		fprintf(stderr, "rc-gen: out of memory\n");
		exit(70);
	}
	b->s = ns;
	b->cap = nc;
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	buf_grow(b, 64);
	for (;;) { /* format into the spare room; grow and retry when short */
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->s + b->len, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		buf_grow(b, (size_t)n);
	}
}

static void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* UTF-8 → ISO-8859-1; returns -1 when a character is outside Latin-1. */
static int utf8_to_latin1(const char *s, char *out, size_t outsz)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned cp;
		if (*p < 0x80)
			cp = *p++;
		else if ((*p & 0xe0) == 0xc0 && p[1])
			cp = ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu), p += 2;
		else
			return -1;
		if (cp > 0xff || o + 1 >= outsz)
			return -1;
		out[o++] = (char)cp;
	}
	out[o] = '\0';
	return 0;
}

/* ASCII transliteration for addresses and config names: æ→ae, ø→o, å→a. */
static void ascii_slug(const char *s, char *out, size_t outsz, int keep_case)
{
	size_t o = 0;
	while (*s && o + 3 < outsz) {
		const char *rep = NULL;
		if (!strncmp(s, "æ", 2) || !strncmp(s, "Æ", 2))
			rep = "ae";
		else if (!strncmp(s, "ø", 2) || !strncmp(s, "Ø", 2))
			rep = "o";
		else if (!strncmp(s, "å", 2) || !strncmp(s, "Å", 2))
			rep = "a";
		if (rep) {
			for (; *rep; rep++)
				out[o++] = *rep;
			s += 2;
		} else if ((unsigned char)*s >= 0x80) {
			s++;
		} else {
			char c = *s++;
			out[o++] = keep_case ? c : (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
	}
	out[o] = '\0';
}

static const char b64tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char q[4] = {b64tab[(v >> 18) & 63], b64tab[(v >> 12) & 63],
			     i + 1 < n ? b64tab[(v >> 6) & 63] : '=',
			     i + 2 < n ? b64tab[v & 63] : '='};
		buf_add(b, q, 4);
	}
}

/* Base64 body, 76-character lines, CRLF. */
static void b64_body(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i += 57) {
		b64_encode(b, (const unsigned char *)s + i, n - i < 57 ? n - i : 57);
		buf_add(b, "\r\n", 2);
	}
}

/* Quoted-printable body (RFC 2045): input lines end in CRLF; soft breaks at 76. */
static void qp_body(struct buf *b, const char *s, size_t n)
{
	int col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
			buf_add(b, "\r\n", 2);
			i++;
			col = 0;
			continue;
		}
		char enc[4];
		int w;
		int trailing_ws = (c == ' ' || c == '\t') && (i + 1 == n || s[i + 1] == '\r');
		if (c == '=' || c >= 0x80 || trailing_ws || (c < 0x20 && c != '\t')) {
			snprintf(enc, sizeof enc, "=%02X", c);
			w = 3;
		} else {
			enc[0] = (char)c;
			w = 1;
		}
		if (col + w > 75) {
			buf_add(b, "=\r\n", 3);
			col = 0;
		}
		buf_add(b, enc, (size_t)w);
		col += w;
	}
}

/* Length of the UTF-8 sequence starting with byte c. */
static int u8len(unsigned char c)
{
	return c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
}

static int q_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

/* RFC 2047 encoded-words for `s` (already in `charset`), each ≤ 75 characters,
 * never splitting a multi-byte character, joined by CRLF SP (folding). */
static void rfc2047(struct buf *b, const char *s, const char *charset, int qenc)
{
	size_t ovh = strlen(charset) + 7, n = strlen(s), i = 0;
	int latin1 = strstr(charset, "8859") != NULL;
	int first = 1;
	while (i < n) {
		size_t j = i, enc = 0;
		while (j < n) {
			int cl = latin1 ? 1 : u8len((unsigned char)s[j]);
			size_t w = 0;
			if (qenc)
				for (int k = 0; k < cl; k++)
					w += (q_safe((unsigned char)s[j + k]) || s[j + k] == ' ')
						 ? 1
						 : 3;
			else
				w = (size_t)cl;
			size_t tot = qenc ? enc + w : ((enc + w + 2) / 3) * 4;
			if (tot + ovh > 75)
				break;
			enc += w;
			j += (size_t)cl;
		}
		if (!first)
			buf_add(b, "\r\n ", 3);
		first = 0;
		buf_printf(b, "=?%s?%c?", charset, qenc ? 'Q' : 'B');
		if (qenc) {
			for (size_t k = i; k < j; k++) {
				unsigned char c = (unsigned char)s[k];
				if (c == ' ')
					buf_add(b, "_", 1);
				else if (q_safe(c))
					buf_add(b, (const char *)&s[k], 1);
				else
					buf_printf(b, "=%02X", c);
			}
		} else {
			b64_encode(b, (const unsigned char *)s + i, j - i);
		}
		buf_add(b, "?=", 2);
		i = j;
	}
}

/* ---- Local time in the --timezone zone (TZ is set once by main). */
#define DAY 86400
#define WORK_START_H 8
#define WORK_END_H 16

/* The instant of local date (y, m, d) at hh:mm; DST resolved by mktime. */
static int64_t local_at(int y, int mon, int mday, int hh, int mm)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = mday;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static struct tm local_tm(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	localtime_r(&tt, &tm);
	return tm;
}

static int in_work_hours(int64_t t)
{
	struct tm tm = local_tm(t);
	return tm.tm_wday >= 1 && tm.tm_wday <= 5 && tm.tm_hour >= WORK_START_H &&
	       tm.tm_hour < WORK_END_H;
}

/* The next opening (mon-fri 08:00 local) at or after t, or t if open. */
static int64_t next_open(int64_t t)
{
	for (int guard = 0; guard < 10; guard++) {
		struct tm tm = local_tm(t);
		int64_t open = local_at(tm.tm_year + 1900, tm.tm_mon, tm.tm_mday, WORK_START_H, 0);
		int64_t close = local_at(tm.tm_year + 1900, tm.tm_mon, tm.tm_mday, WORK_END_H, 0);
		if (tm.tm_wday >= 1 && tm.tm_wday <= 5 && t < close)
			return t < open ? open : t;
		t = local_at(tm.tm_year + 1900, tm.tm_mon, tm.tm_mday + 1, 0, 0);
	}
	return t;
}

/* t plus `secs` of business time (mon-fri 08:00-16:00 local, no holidays). */
static int64_t add_business(int64_t t, int64_t secs)
{
	for (int guard = 0; guard < 10000; guard++) {
		t = next_open(t);
		struct tm tm = local_tm(t);
		int64_t close = local_at(tm.tm_year + 1900, tm.tm_mon, tm.tm_mday, WORK_END_H, 0);
		if (secs < close - t)
			return t + secs;
		secs -= close - t;
		t = close;
	}
	return t;
}

#endif
