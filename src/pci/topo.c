/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Machine descriptions' lifetime: whatever made one, these free it. */
#include <errno.h>

#include <ioda/ctx.h>
#include <ioda/topo.h>

/* Frees a sibling list and everything below it, without recursion. */
static void free_nodes(struct ioda_ctx *ctx, struct ioda_topo_node *todo)
{
	while (todo) {
		struct ioda_topo_node *node = todo, *child, *next;

		todo = node->next;
		for (child = node->children; child; child = next) {
			next = child->next;
			child->next = todo;
			todo = child;
		}
		ioda_free(ctx, node);
	}
}

void ioda_topo_node_free(struct ioda_ctx *ctx, struct ioda_topo_node *node)
{
	if (!node)
		return;
	node->next = NULL; /* the subtree only, not the siblings */
	free_nodes(ctx, node);
}

void ioda_topo_nodes_free(struct ioda_ctx *ctx, struct ioda_topo_node *list)
{
	free_nodes(ctx, list);
}

void ioda_topo_free(struct ioda_ctx *ctx, struct ioda_topo *topo)
{
	struct ioda_topo_phb *phb, *next;

	if (!topo)
		return;
	for (phb = topo->phbs; phb; phb = next) {
		next = phb->next;
		free_nodes(ctx, phb->devices);
		ioda_free(ctx, phb);
	}
	ioda_free(ctx, topo->file);
	ioda_free(ctx, topo);
}

int ioda_topo_nodes_clone(struct ioda_ctx *ctx, const struct ioda_topo_node *list,
			  struct ioda_topo_node **out)
{
	struct ioda_topo_node **tail = out;

	*out = NULL;
	for (; list; list = list->next) {
		struct ioda_topo_node *copy = ioda_alloc(ctx, sizeof(*copy));

		if (!copy)
			goto oom;
		*copy = *list;
		copy->next = NULL;
		copy->children = NULL;
		*tail = copy;
		tail = &copy->next;
		if (ioda_topo_nodes_clone(ctx, list->children, &copy->children))
			goto oom;
	}
	return 0;
oom:
	ioda_topo_nodes_free(ctx, *out);
	*out = NULL;
	return -ENOMEM;
}
