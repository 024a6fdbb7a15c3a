/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A circular doubly linked list with its head embedded, as the kernel's. */
#ifndef IODA_LIST_H
#define IODA_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct ioda_list {
	struct ioda_list *next, *prev;
};

#define IODA_LIST_INIT(name) { &(name), &(name) }

static inline void ioda_list_init(struct ioda_list *h)
{
	h->next = h->prev = h;
}

static inline bool ioda_list_empty(const struct ioda_list *h)
{
	return h->next == h;
}

static inline void ioda_list_add_tail(struct ioda_list *n, struct ioda_list *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

/* Unlinks and points the node at itself, so a second del is harmless. */
static inline void ioda_list_del(struct ioda_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	ioda_list_init(n);
}

#define ioda_container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

#define ioda_list_entry(ptr, type, member) ioda_container_of(ptr, type, member)

#define ioda_list_for_each_entry(pos, head, member)                                             \
	for (pos = ioda_list_entry((head)->next, __typeof__(*pos), member); &pos->member != (head); \
	     pos = ioda_list_entry(pos->member.next, __typeof__(*pos), member))

/* Last to first (list_for_each_entry_reverse). */
#define ioda_list_for_each_entry_reverse(pos, head, member)                                     \
	for (pos = ioda_list_entry((head)->prev, __typeof__(*pos), member); &pos->member != (head); \
	     pos = ioda_list_entry(pos->member.prev, __typeof__(*pos), member))

#define ioda_list_for_each_entry_safe(pos, n, head, member)                                     \
	for (pos = ioda_list_entry((head)->next, __typeof__(*pos), member),                     \
	    n = ioda_list_entry(pos->member.next, __typeof__(*pos), member);                    \
	     &pos->member != (head);                                                            \
	     pos = n, n = ioda_list_entry(n->member.next, __typeof__(*n), member))

#endif
