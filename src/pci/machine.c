/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The machine: owner of the PCI domains, their lock and context. */
#include <errno.h>
#include <stdio.h>

#include "pci_priv.h"

struct ioda_machine *ioda_machine_new(struct ioda_ctx *ctx)
{
	struct ioda_machine *m = ioda_zalloc(ctx, sizeof(*m));

	if (!m)
		return NULL;
	m->ctx = ctx;
	pthread_rwlock_init(&m->lock, NULL);
	ioda_list_init(&m->domains);
	ioda_list_init(&m->devices);
	pthread_mutex_init(&m->removed_lock, NULL);
	ioda_list_init(&m->removed);
	return m;
}

void ioda_machine_set_notifier(struct ioda_machine *m, const struct pci_notifier *n)
{
	static const struct pci_notifier none;

	pthread_rwlock_wrlock(&m->lock);
	m->notifier = n ? *n : none;
	pthread_rwlock_unlock(&m->lock);
}

unsigned long ioda_machine_free(struct ioda_machine *m)
{
	struct ioda_ctx *ctx;

	if (!m)
		return 0;
	ctx = m->ctx;
	pthread_rwlock_wrlock(&m->lock);
	pci_remove_all_locked(m);
	pthread_rwlock_unlock(&m->lock);
	pthread_rwlock_destroy(&m->lock);
	pthread_mutex_destroy(&m->removed_lock);
	ioda_free(ctx, m);
	return ioda_ctx_check_leaks(ctx);
}

const char *ioda_phb_gen_name(enum ioda_phb_gen gen)
{
	switch (gen) {
	case IODA_PHB3:
		return "PHB3";
	case IODA_PHB4:
		return "PHB4";
	case IODA_PHB5:
		return "PHB5";
	}
	return "PHB?";
}

const char *ioda_phb_gen_word(enum ioda_phb_gen gen)
{
	static const char *const words[] = { [IODA_PHB3] = "phb3", [IODA_PHB4] = "phb4",
					     [IODA_PHB5] = "phb5" };

	return (size_t)gen < sizeof(words) / sizeof(words[0]) && words[gen] ? words[gen] : "phb?";
}
