/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI class names, as lspci prints them (pci.ids wording). */
#include <stddef.h>

#include <ioda/pci.h>

struct class_name {
	uint32_t class; /* base << 16 | sub << 8 | prog-if */
	uint32_t mask;
	const char *name;
};

/* Most specific first: the first match wins. */
static const struct class_name class_names[] = {
	{ 0x010802, 0xffffff, "Non-Volatile memory controller" },
	{ 0x010000, 0xffff00, "SCSI storage controller" },
	{ 0x010100, 0xffff00, "IDE interface" },
	{ 0x010400, 0xffff00, "RAID bus controller" },
	{ 0x010600, 0xffff00, "SATA controller" },
	{ 0x010700, 0xffff00, "Serial Attached SCSI controller" },
	{ 0x010800, 0xffff00, "Non-Volatile memory controller" },
	{ 0x010000, 0xff0000, "Mass storage controller" },
	{ 0x020000, 0xffff00, "Ethernet controller" },
	{ 0x020700, 0xffff00, "Infiniband controller" },
	{ 0x020000, 0xff0000, "Network controller" },
	{ 0x030000, 0xffff00, "VGA compatible controller" },
	{ 0x030200, 0xffff00, "3D controller" },
	{ 0x030000, 0xff0000, "Display controller" },
	{ 0x040000, 0xff0000, "Multimedia controller" },
	{ 0x050000, 0xff0000, "Memory controller" },
	{ 0x060000, 0xffff00, "Host bridge" },
	{ 0x060400, 0xffff00, "PCI bridge" },
	{ 0x060900, 0xffff00, "PCI bridge" },
	{ 0x060000, 0xff0000, "Bridge" },
	{ 0x070000, 0xff0000, "Communication controller" },
	{ 0x080000, 0xff0000, "Generic system peripheral" },
	{ 0x0c0300, 0xffff00, "USB controller" },
	{ 0x0c0400, 0xffff00, "Fibre Channel" },
	{ 0x0c0000, 0xff0000, "Serial bus controller" },
	{ 0x120000, 0xff0000, "Processing accelerators" },
	{ 0x0b0000, 0xff0000, "Processor" },
	{ 0xff0000, 0xff0000, "Unassigned class" },
	{ 0x000000, 0xff0000, "Unclassified device" },
};

const char *pci_class_name(uint32_t class)
{
	for (size_t i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++)
		if ((class & class_names[i].mask) == class_names[i].class)
			return class_names[i].name;
	return "Class device";
}
