/* Freeing the message model. */
#include "tracker/message.h"

#include <stdlib.h>
#include <string.h>

static void strlist_clear(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void message_clear(struct message *m)
{
	for (size_t i = 0; i < m->n_flags; i++)
		free(m->flags[i]);
	free(m->flags);
	free(m->message_id);
	free(m->in_reply_to);
	strlist_clear(&m->references);
	free(m->from_addr);
	free(m->from_name);
	strlist_clear(&m->to_addrs);
	strlist_clear(&m->cc_addrs);
	free(m->subject);
	free(m->auto_submitted);
	free(m->x_autoreply);
	free(m->x_autorespond);
	free(m->x_loop);
	free(m->x_auto_response_suppress);
	free(m->precedence);
	free(m->list_id);
	free(m->content_type);
	free(m->thread_index);
	free(m->raw_headers);
	free(m->parse_error);
	memset(m, 0, sizeof *m);
}
