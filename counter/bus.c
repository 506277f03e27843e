/*
 * Picking a bus backend by the config's type. The backends sit below this file: what they
 * share (the line timing) is in timing.c.
 */
#include <stdlib.h>
#include <string.h>

#include "bus.h"

struct hq_cbus *hq_cbus_new(const struct hq_bus *cfg)
{
	struct hq_cbus *b = calloc(1, sizeof *b);

	if (!b)
		return NULL;
	b->cfg = *cfg;
	b->ops = cfg->type == HQ_BUS_PLAIN ? &hq_cbus_plain :
		 cfg->type == HQ_BUS_MODBUS_RTU ? &hq_cbus_modbus_rtu : &hq_cbus_modbus_tcp;
	return b;
}

void hq_cbus_free(struct hq_cbus *b)
{
	if (!b)
		return;
	if (b->ops->destroy)
		b->ops->destroy(b);
	free(b);
}
