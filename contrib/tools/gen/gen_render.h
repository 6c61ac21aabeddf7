/* rc-gen, header-only part 3: renders one planned message as RFC 5322 text
 * (CRLF) with the header style of the sender's mail client. Everything here
 * is a pure function of (seed, conversation, message index), so the output
 * does not depend on the output mode or on the order of rendering. */
#ifndef RC_GEN_RENDER_H
#define RC_GEN_RENDER_H

#include "gen_model.h"
#include "gen_text.h"

static const char *const day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const mon_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* RFC 5322 date; utc=1 like Exchange (+0000), else the local offset. */
static void fmt_date(struct buf *b, int64_t t, int utc)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (utc)
		gmtime_r(&tt, &tm);
	else
		localtime_r(&tt, &tm);
	long off = utc ? 0 : tm.tm_gmtoff / 60;
	buf_printf(b, "%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld", day_names[tm.tm_wday],
		   tm.tm_mday, mon_names[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		   tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static const struct contact *sender_contact(const struct world *w, const struct conv *c, int who)
{
	if (c->cust < 0)
		return &c->unknown;
	return &w->cust[c->cust].contacts[who];
}

/* The nearest customer-side message at or above idx (whom a reply goes to). */
static int cust_ancestor(const struct conv *c, int idx)
{
	while (idx > 0 && c->plans[idx].kind != K_CUSTOMER && c->plans[idx].kind != K_FOLLOWUP &&
	       c->plans[idx].kind != K_CUSTOMER_AGAIN)
		idx = c->plans[idx].parent;
	return idx < 0 ? 0 : idx;
}

static const char *addr_domain(const char *addr)
{
	const char *at = strchr(addr, '@');
	return at ? at + 1 : addr;
}

/* The client that wrote message idx (team messages: the agent's client). */
static int msg_client(const struct world *w, const struct conv *c, int idx)
{
	const struct plan *p = &c->plans[idx];
	switch (p->kind) {
	case K_TEAM:
	case K_INTERNAL_FORWARD:
		return w->agents[p->who].client;
	case K_AUTOREPLY_TEAM:
	case K_BOUNCE:
		return -1;
	default:
		return sender_contact(w, c, p->who)->client;
	}
}

static void msg_id(struct buf *b, const struct world *w, const struct conv *c, int idx)
{
	const struct plan *p = &c->plans[idx];
	uint64_t h1 = hash3(w->seed, c->no, (uint64_t)idx), h2 = hash3(h1, 7, 13);
	const char *dom = p->kind == K_TEAM || p->kind == K_INTERNAL_FORWARD
			      ? w->team_domain
			      : addr_domain(sender_contact(w, c, p->who)->addr);
	if (p->kind == K_AUTOREPLY_TEAM) {
		buf_printf(b, "ack.%016llx@%s", (unsigned long long)h1, w->team_domain);
		return;
	}
	if (p->kind == K_BOUNCE) {
		buf_printf(b, "%016llX.%04X@mx.%s", (unsigned long long)h1, (unsigned)(h2 & 0xffff),
			   p->variant ? dom : w->team_domain);
		return;
	}
	switch (msg_client(w, c, idx)) {
	case CL_OUTLOOK:
		buf_printf(b, "AM0PR0%uMB%u%012llX@AM0PR0%uMB%04u.eurprd0%u.prod.outlook.com",
			   (unsigned)(h2 % 9 + 1), (unsigned)(h2 >> 8) % 10,
			   (unsigned long long)(h1 & 0xffffffffffffULL), (unsigned)(h2 % 9 + 1),
			   (unsigned)(h2 >> 16) % 10000, (unsigned)(h2 >> 32) % 8 + 1);
		break;
	case CL_GMAIL: {
		buf_puts(b, "CA+");
		for (int i = 0; i < 44; i++) {
			uint64_t x = i < 22 ? h1 >> (i * 3 % 58) : h2 >> ((i - 22) * 3 % 58);
			char ch = b64tab[(x + (uint64_t)i * 7) & 63];
			if (ch == '/')
				ch = '_';
			buf_add(b, &ch, 1);
		}
		buf_puts(b, "@mail.gmail.com");
		break;
	}
	case CL_APPLE:
		buf_printf(b, "%08llX-%04llX-%04llX-%04llX-%012llX@%s",
			   (unsigned long long)(h1 >> 32), (unsigned long long)(h1 >> 16) & 0xffff,
			   (unsigned long long)h1 & 0xffff, (unsigned long long)(h2 >> 48),
			   (unsigned long long)h2 & 0xffffffffffffULL, dom);
		break;
	default:
		buf_printf(b, "%08llx-%04llx-%04llx-%04llx-%012llx@%s",
			   (unsigned long long)(h1 >> 32), (unsigned long long)(h1 >> 16) & 0xffff,
			   (unsigned long long)h1 & 0xffff, (unsigned long long)(h2 >> 48),
			   (unsigned long long)h2 & 0xffffffffffffULL, dom);
	}
}

static void base_subject(struct buf *b, const struct conv *c)
{
	buf_printf(b, subjects[c->subj], c->subj_num);
}

/* Reply / forward prefix a client writes, by language. */
static const char *reply_prefix(int client, int lang, int fwd, int variant)
{
	if (lang == 2)
		return fwd ? "WG: " : "AW: ";
	if (fwd)
		return client == CL_OUTLOOK ? (lang ? "FW: " : "VS: ") : "Fwd: ";
	switch (client) {
	case CL_OUTLOOK:
		return lang ? "RE: " : "SV: ";
	case CL_APPLE:
		return variant & 1 ? "Sv: " : "Re: ";
	default:
		return "Re: ";
	}
}

/* The decoded (UTF-8) subject of message idx, prefixes included. */
static void subject_of(struct buf *b, const struct world *w, const struct conv *c, int idx)
{
	const struct plan *p = &c->plans[idx];
	int cl = msg_client(w, c, idx);
	int lang = p->kind == K_TEAM || p->kind == K_INTERNAL_FORWARD || cl < 0
		       ? 0
		       : sender_contact(w, c, p->who)->lang;
	switch (p->kind) {
	case K_CUSTOMER:
		base_subject(b, c);
		return;
	case K_FOLLOWUP:
		if (p->variant % 3)
			buf_puts(b, reply_prefix(cl, lang, p->variant % 3 == 2, p->variant));
		base_subject(b, c);
		return;
	case K_CUSTOMER_AGAIN:
	case K_AUTOREPLY_CUSTOMER:
		if (p->kind == K_AUTOREPLY_CUSTOMER && cl == CL_OUTLOOK)
			buf_puts(b, "Automatisk svar: ");
		else
			buf_puts(b, reply_prefix(cl, lang, 0, p->variant));
		if (p->variant % 2 == 0)
			subject_of(b, w, c, p->parent);
		else
			base_subject(b, c);
		return;
	case K_TEAM:
		buf_puts(b, reply_prefix(cl, 0, 0, p->variant));
		base_subject(b, c);
		return;
	case K_AUTOREPLY_TEAM:
		buf_puts(b, "[Mottatt] ");
		subject_of(b, w, c, p->parent);
		return;
	case K_BOUNCE:
		if (!p->variant) {
			buf_puts(b, "Undelivered Mail Returned to Sender");
			return;
		}
		buf_puts(b, "Ikke levert: ");
		subject_of(b, w, c, p->parent);
		return;
	default:
		buf_puts(b, reply_prefix(cl, 0, 1, p->variant));
		subject_of(b, w, c, p->parent);
	}
}

/* Writes `Name: value` for a UTF-8 text, RFC 2047-encoded the way client cl
 * does it: Outlook ISO-8859-1/UTF-8 in Q or B; Gmail UTF-8 B; Apple UTF-8 Q;
 * Thunderbird UTF-8 Q with the ASCII reply prefix left outside. */
static void put_encoded(struct buf *b, const char *text, int cl, int variant)
{
	if (is_ascii(text)) {
		buf_puts(b, text);
		return;
	}
	char l1[1024];
	int q = 0;
	const char *cs = "UTF-8";
	switch (cl) {
	case CL_OUTLOOK:
		q = variant % 4 == 0 || variant % 4 == 3;
		if (variant % 4 < 3 && variant % 4 != 1 &&
		    utf8_to_latin1(text, l1, sizeof l1) == 0) {
			rfc2047(b, l1, "iso-8859-1", q);
			return;
		}
		cs = "utf-8";
		break;
	case CL_GMAIL:
		break;
	case CL_APPLE:
		cs = "utf-8";
		q = 1;
		break;
	default: {
		size_t pre = 0;
		for (;;) { /* keep "Re: SV: " etc. outside the encoded-word */
			size_t k = pre;
			while ((text[k] >= 'A' && text[k] <= 'Z') ||
			       (text[k] >= 'a' && text[k] <= 'z'))
				k++;
			if (k > pre && text[k] == ':' && text[k + 1] == ' ')
				pre = k + 2;
			else
				break;
		}
		buf_add(b, text, pre);
		text += pre;
		q = 1;
	}
	}
	rfc2047(b, text, cs, q);
}

static void put_mailbox(struct buf *b, const char *name, const char *addr, int cl, int variant)
{
	if (name && *name) {
		if (is_ascii(name) && strpbrk(name, ",.\"()<>@;:"))
			buf_printf(b, "\"%s\"", name);
		else
			put_encoded(b, name, cl, variant);
		buf_puts(b, " ");
	}
	buf_printf(b, "<%s>", addr);
}

/* References: the parent chain from the root (at most 20 ids). */
static void put_refs(struct buf *b, const struct world *w, const struct conv *c, int idx)
{
	int chain[MAXPLAN], n = 0;
	for (int k = c->plans[idx].parent; k >= 0 && n < MAXPLAN; k = c->plans[k].parent)
		chain[n++] = k;
	int from = n > 20 ? 19 : n - 1;
	buf_puts(b, "References:");
	for (int i = from; i >= 0; i--) {
		buf_puts(b, i == from ? " <" : "\r\n <");
		msg_id(b, w, c, chain[i]);
		buf_puts(b, ">");
	}
	buf_puts(b, "\r\n");
}

static void thread_index(struct buf *b, const struct world *w, const struct conv *c, int idx)
{
	unsigned char raw[22 + 5 * 8];
	size_t n = 22;
	uint64_t h = hash3(w->seed, c->no, 999);
	for (int i = 0; i < 22; i++) {
		if (i % 8 == 0)
			h = hash3(h, (uint64_t)i, 1);
		raw[i] = (unsigned char)(h >> (8 * (i % 8)));
	}
	raw[0] = 0x01;
	for (int k = c->plans[idx].parent; k >= 0 && n + 5 <= sizeof raw; k = c->plans[k].parent) {
		uint64_t g = hash3(w->seed, c->no, (uint64_t)k + 1000);
		for (int i = 0; i < 5; i++)
			raw[n++] = (unsigned char)(g >> (8 * i));
	}
	buf_puts(b, "Thread-Index: ");
	b64_encode(b, raw, n);
	buf_puts(b, "\r\n");
}

static const char *first_word(const char *name, char *out, size_t n)
{
	size_t i = 0;
	while (name[i] && name[i] != ' ' && i + 1 < n) {
		out[i] = name[i];
		i++;
	}
	out[i] = '\0';
	return out;
}

/* The plain-text body (UTF-8, CRLF) of message idx. */
static void body_text(struct buf *b, const struct world *w, const struct conv *c, int idx,
		      struct rng *r)
{
	const struct plan *p = &c->plans[idx];
	char fw[64];
	switch (p->kind) {
	case K_TEAM: {
		const struct contact *to =
		    sender_contact(w, c, c->plans[cust_ancestor(c, p->parent)].who);
		buf_printf(b, "Hei %s,\r\n\r\n%s\r\n%s\r\n\r\nMed vennlig hilsen\r\n%s\r\n%s\r\n",
			   first_word(to->name, fw, sizeof fw),
			   team_lines[rng_range(r, 0, NELEM(team_lines) - 1)],
			   team_lines[rng_range(r, 0, NELEM(team_lines) - 1)],
			   w->agents[p->who].name, w->team_display);
		return;
	}
	case K_AUTOREPLY_TEAM:
		buf_puts(b, "Vi har mottatt henvendelsen din og svarer så snart vi kan,\r\n"
			    "normalt innen 4 timer i åpningstiden (man-fre 08-16).\r\n\r\n"
			    "Dette er et automatisk svar.\r\n");
		return;
	case K_AUTOREPLY_CUSTOMER:
		buf_printf(b,
			   "Jeg er på ferie og leser ikke e-post før %d. %s.\r\n"
			   "I hastesaker, ring sentralbordet.\r\n",
			   (int)rng_range(r, 1, 28), mon_names[rng_range(r, 0, 11)]);
		return;
	case K_INTERNAL_FORWARD:
		buf_printf(b,
			   "Kan du ta denne? Gjelder %s.\r\n\r\n-----Opprinnelig melding-----\r\n"
			   "Fra: %s\r\n",
			   c->cust >= 0 ? w->cust[c->cust].name : "ukjent avsender",
			   sender_contact(w, c, c->plans[cust_ancestor(c, p->parent)].who)->addr);
		return;
	default: {
		const struct contact *ct = sender_contact(w, c, p->who);
		buf_puts(b, ct->lang == 1   ? "Hi,\r\n\r\n"
			    : ct->lang == 2 ? "Hallo,\r\n\r\n"
					    : "Hei,\r\n\r\n");
		int lines = (int)rng_range(r, 1, 3);
		for (int i = 0; i < lines; i++)
			buf_printf(b, "%s\r\n", cust_lines[rng_range(r, 0, NELEM(cust_lines) - 1)]);
		buf_printf(b, "\r\n%s\r\n%s\r\n", ct->lang == 1 ? "Best regards" : "Mvh", ct->name);
		if (c->cust >= 0)
			buf_printf(b, "%s\r\n", w->cust[c->cust].name);
	}
	}
}

/* Content-Type/-Transfer-Encoding headers, the blank line and the body. */
static void put_text_body(struct buf *b, const char *text, int cl, int variant)
{
	size_t n = strlen(text);
	switch (cl) {
	case CL_OUTLOOK:
		if (variant & 1) {
			buf_puts(b,
				 "Content-Type: text/plain; charset=\"utf-8\"\r\n"
				 "Content-Transfer-Encoding: base64\r\nMIME-Version: 1.0\r\n\r\n");
			b64_body(b, text, n);
		} else {
			buf_puts(b, "Content-Type: text/plain; charset=\"utf-8\"\r\n"
				    "Content-Transfer-Encoding: quoted-printable\r\nMIME-Version: "
				    "1.0\r\n\r\n");
			qp_body(b, text, n);
		}
		return;
	case CL_GMAIL:
	case CL_APPLE:
		buf_puts(b, cl == CL_GMAIL ? "Content-Type: text/plain; charset=\"UTF-8\"\r\n"
					   : "Content-Type: text/plain;\r\n\tcharset=utf-8\r\n");
		buf_puts(b, "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		qp_body(b, text, n);
		return;
	default:
		buf_puts(b, "Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
			    "Content-Transfer-Encoding: 8bit\r\n\r\n");
		buf_add(b, text, n);
	}
}

/* From / To / Cc of message idx as (name, address) pairs. */
struct parties {
	const char *from_name, *from_addr;
	const char *to_name[2], *to_addr[2];
	int nto;
	const char *cc_name[3], *cc_addr[3];
	int ncc;
	char bounce_from[256];
};

static void parties_of(struct parties *pt, const struct world *w, const struct conv *c, int idx)
{
	const struct plan *p = &c->plans[idx];
	memset(pt, 0, sizeof *pt);
	const struct contact *first = sender_contact(w, c, c->plans[0].who);
	switch (p->kind) {
	case K_TEAM: {
		const struct contact *to =
		    sender_contact(w, c, c->plans[cust_ancestor(c, p->parent)].who);
		pt->from_name = p->from_shared ? w->team_display : w->agents[p->who].name;
		pt->from_addr = p->from_shared ? w->mailbox_addr : w->agents[p->who].addr;
		pt->to_name[0] = to->name, pt->to_addr[0] = to->addr, pt->nto = 1;
		if (to != first)
			pt->cc_name[pt->ncc] = first->name, pt->cc_addr[pt->ncc++] = first->addr;
		if (p->cc_shared)
			pt->cc_name[pt->ncc] = w->team_display,
			pt->cc_addr[pt->ncc++] = w->mailbox_addr;
		return;
	}
	case K_AUTOREPLY_TEAM:
		pt->from_name = w->team_display, pt->from_addr = w->mailbox_addr;
		pt->to_name[0] = first->name, pt->to_addr[0] = first->addr, pt->nto = 1;
		return;
	case K_INTERNAL_FORWARD:
		pt->from_name = w->agents[p->who].name, pt->from_addr = w->agents[p->who].addr;
		pt->to_name[0] = p->to_agent < 0 ? w->team_display : w->agents[p->to_agent].name;
		pt->to_addr[0] = p->to_agent < 0 ? w->mailbox_addr : w->agents[p->to_agent].addr;
		pt->nto = 1;
		return;
	case K_BOUNCE:
		pt->from_name = p->variant ? "Microsoft Outlook" : "Mail Delivery System";
		if (p->variant) /* Exchange NDR from the customer's server */
			snprintf(pt->bounce_from, sizeof pt->bounce_from, "postmaster@%s",
				 addr_domain(
				     sender_contact(w, c, c->plans[cust_ancestor(c, p->parent)].who)
					 ->addr));
		else
			snprintf(pt->bounce_from, sizeof pt->bounce_from, "MAILER-DAEMON@mx.%s",
				 w->team_domain);
		pt->from_addr = pt->bounce_from;
		pt->to_name[0] = w->team_display, pt->to_addr[0] = w->mailbox_addr, pt->nto = 1;
		return;
	default: {
		const struct contact *ct = sender_contact(w, c, p->who);
		pt->from_name = ct->name, pt->from_addr = ct->addr;
		pt->to_name[0] = w->team_display, pt->to_addr[0] = w->mailbox_addr, pt->nto = 1;
		if (p->kind != K_AUTOREPLY_CUSTOMER && ct != first)
			pt->cc_name[pt->ncc] = first->name, pt->cc_addr[pt->ncc++] = first->addr;
	}
	}
}

/* ---- Rendering one message. */
enum fld { FROM, TO, CC, SUBJ, DATE, MID, REFS, IRT, END };

struct rctx {
	const struct world *w;
	const struct conv *c;
	int idx, cl, variant;
	struct parties pt;
	const char *subject;
};

static void put_field(struct buf *b, const struct rctx *x, enum fld f)
{
	const struct plan *p = &x->c->plans[x->idx];
	switch (f) {
	case FROM:
		buf_puts(b, "From: ");
		put_mailbox(b, x->pt.from_name, x->pt.from_addr, x->cl, x->variant);
		break;
	case TO:
	case CC: {
		int n = f == TO ? x->pt.nto : x->pt.ncc;
		if (n == 0)
			return;
		buf_puts(b, f == TO ? "To: " : "Cc: ");
		for (int i = 0; i < n; i++) {
			if (i)
				buf_puts(b, ",\r\n ");
			put_mailbox(b, f == TO ? x->pt.to_name[i] : x->pt.cc_name[i],
				    f == TO ? x->pt.to_addr[i] : x->pt.cc_addr[i], x->cl,
				    x->variant);
		}
		break;
	}
	case SUBJ:
		buf_puts(b, "Subject: ");
		put_encoded(b, x->subject, x->cl, x->variant);
		break;
	case DATE:
		buf_puts(b, "Date: ");
		fmt_date(b, p->t - p->date_back, x->cl == CL_OUTLOOK);
		break;
	case MID:
		buf_puts(b, x->cl == CL_APPLE ? "Message-Id: <" : "Message-ID: <");
		msg_id(b, x->w, x->c, x->idx);
		buf_puts(b, ">");
		break;
	case REFS:
		if (p->parent >= 0 && p->refs == R_FULL)
			put_refs(b, x->w, x->c, x->idx);
		return;
	case IRT:
		if (p->parent < 0 || p->refs == R_NONE)
			return;
		buf_puts(b, "In-Reply-To: <");
		msg_id(b, x->w, x->c, p->parent);
		buf_puts(b, ">");
		break;
	default:
		return;
	}
	buf_puts(b, "\r\n");
}

static void put_fields(struct buf *b, const struct rctx *x, const enum fld *f)
{
	for (; *f != END; f++)
		put_field(b, x, *f);
}

static void render_bounce(struct buf *b, const struct rctx *x, struct buf *tmp)
{
	const struct plan *p = &x->c->plans[x->idx];
	const char *rcpt =
	    sender_contact(x->w, x->c, x->c->plans[cust_ancestor(x->c, p->parent)].who)->addr;
	uint64_t h = hash3(x->w->seed, x->c->no, (uint64_t)x->idx + 500);
	static const enum fld hdr[] = {DATE, FROM, SUBJ, TO, MID, IRT, END};
	struct rctx y = *x;
	y.cl = p->variant ? CL_OUTLOOK : -1;
	if (!p->variant)
		buf_puts(b, "Return-Path: <>\r\n");
	put_fields(b, &y, hdr);
	buf_printf(b,
		   "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
		   "Content-Type: multipart/report; report-type=delivery-status;\r\n"
		   "\tboundary=\"%016llX/%s\"\r\n\r\n",
		   (unsigned long long)h, x->pt.from_addr);
	buf_reset(tmp);
	msg_id(tmp, x->w, x->c, p->parent);
	buf_printf(b,
		   "This is a MIME-encapsulated message.\r\n\r\n--%016llX/%s\r\n"
		   "Content-Description: Notification\r\nContent-Type: text/plain; "
		   "charset=us-ascii\r\n\r\n"
		   "I'm sorry to have to inform you that your message could not\r\n"
		   "be delivered to one or more recipients.\r\n\r\n"
		   "<%s>: host mx.%s said: 550 5.1.1 User unknown\r\n\r\n"
		   "--%016llX/%s\r\nContent-Description: Delivery report\r\n"
		   "Content-Type: message/delivery-status\r\n\r\n"
		   "Reporting-MTA: dns; %s\r\n\r\nFinal-Recipient: rfc822; %s\r\nAction: failed\r\n"
		   "Status: 5.1.1\r\n\r\n--%016llX/%s\r\nContent-Description: Undelivered Message "
		   "Headers\r\n"
		   "Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: <%s>\r\nFrom: %s\r\nTo: "
		   "%s\r\n\r\n"
		   "--%016llX/%s--\r\n",
		   (unsigned long long)h, x->pt.from_addr, rcpt, addr_domain(rcpt),
		   (unsigned long long)h, x->pt.from_addr, addr_domain(x->pt.from_addr), rcpt,
		   (unsigned long long)h, x->pt.from_addr, tmp->s, x->w->mailbox_addr, rcpt,
		   (unsigned long long)h, x->pt.from_addr);
}

/* The whole message idx of conversation c into b (CRLF line ends). */
static void render_message(struct buf *b, const struct world *w, const struct conv *c, int idx,
			   const char *subject, struct buf *tmp)
{
	static const enum fld outlook[] = {FROM, TO, CC, SUBJ, END};
	static const enum fld outlook2[] = {DATE, MID, REFS, IRT, END};
	static const enum fld gmail[] = {REFS, IRT, FROM, DATE, MID, SUBJ, TO, CC, END};
	static const enum fld apple1[] = {FROM, END};
	static const enum fld apple2[] = {SUBJ, DATE, REFS, CC, TO, IRT, MID, END};
	static const enum fld tbird1[] = {MID, DATE, END};
	static const enum fld tbird2[] = {TO, CC, REFS, FROM, SUBJ, IRT, END};
	static const enum fld server[] = {FROM, TO, SUBJ, DATE, MID, IRT, REFS, END};
	const struct plan *p = &c->plans[idx];
	struct rctx x = {w, c, idx, msg_client(w, c, idx), p->variant, {0}, subject};
	struct rng r;
	parties_of(&x.pt, w, c, idx);
	buf_reset(b);
	if (p->kind == K_BOUNCE) {
		render_bounce(b, &x, tmp);
		return;
	}
	buf_reset(tmp);
	body_text(tmp, w, c, idx,
		  (rng_seed(&r, hash3(w->seed, c->no, (uint64_t)idx) ^ 0xb0d7), &r));
	switch (x.cl) {
	case CL_OUTLOOK:
		put_fields(b, &x, outlook);
		buf_puts(b, "Thread-Topic: ");
		{
			struct buf t = {0};
			base_subject(&t, c);
			put_encoded(b, t.s, x.cl, x.variant);
			free(t.s);
		}
		buf_puts(b, "\r\n");
		thread_index(b, w, c, idx);
		put_fields(b, &x, outlook2);
		buf_puts(b, "Accept-Language: nb-NO, en-US\r\nContent-Language: nb-NO\r\n"
			    "X-MS-Has-Attach:\r\nX-MS-TNEF-Correlator:\r\n");
		break;
	case CL_GMAIL:
		buf_puts(b, "MIME-Version: 1.0\r\n");
		put_fields(b, &x, gmail);
		break;
	case CL_APPLE:
		put_fields(b, &x, apple1);
		buf_puts(b, "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3731.700.6\\))\r\n");
		put_fields(b, &x, apple2);
		buf_puts(b, "X-Mailer: Apple Mail (2.3731.700.6)\r\n");
		break;
	case CL_THUNDERBIRD:
		put_fields(b, &x, tbird1);
		buf_puts(b, "MIME-Version: 1.0\r\nUser-Agent: Mozilla "
			    "Thunderbird\r\nContent-Language: nb\r\n");
		put_fields(b, &x, tbird2);
		break;
	default:		 /* our own autoresponder */
		x.cl = CL_APPLE; /* UTF-8 Q-encoded subject */
		put_fields(b, &x, server);
		buf_puts(b, "Auto-Submitted: auto-generated\r\nX-Auto-Response-Suppress: All\r\n"
			    "MIME-Version: 1.0\r\n");
		x.cl = CL_THUNDERBIRD; /* 8bit body */
	}
	if (p->kind == K_AUTOREPLY_CUSTOMER)
		buf_puts(b,
			 p->variant & 1
			     ? "Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n"
			     : "X-Autoreply: yes\r\n");
	put_text_body(b, tmp->s, x.cl, x.variant);
}

#endif
