/*
 * The unit's plain-protocol slave (firmware-proto/fw/plain.c, PROTOCOL.md section 3): any
 * frame in (fw_drive.h), and out either silence or one well-formed reply: start byte, the
 * unit's own address, the command with the reply bit or the error reply with a known code,
 * a length within 64 and matching the frame, a good CRC; and a reply only to a good frame
 * addressed to this unit.
 */
#include "fw_drive.h"
#include "plain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_plain(const struct hqfw_unit *a, const struct hqfw_unit *u, const uint8_t *f,
			size_t n, const uint8_t *rep, size_t len)
{
	int good = n >= 6 && f[0] == HQFW_PLAIN_SOF && f[3] <= HQFW_PLAIN_PAYLOAD_MAX &&
		   f[3] + 6u == n && hqfw_crc16(f + 1, n - 1) == 0;

	(void)a;
	if (!len)
		return;
	FUZZ_CHECK(good && f[1] == u->address, "a reply only to a good frame for this unit");
	FUZZ_CHECK(len >= 6 && len <= HQFW_PLAIN_FRAME_MAX, "a reply of 6..70 bytes");
	FUZZ_CHECK(rep[0] == HQFW_PLAIN_SOF && rep[1] == u->address, "start byte and own address");
	FUZZ_CHECK(rep[3] <= HQFW_PLAIN_PAYLOAD_MAX && rep[3] + 6u == len, "length byte matches");
	FUZZ_CHECK(hqfw_crc16(rep + 1, len - 1) == 0, "a good CRC");
	if (rep[2] == HQFW_PLAIN_ERROR) {
		FUZZ_CHECK(rep[3] == 2 && rep[4] == f[2] && rep[5] >= 1 && rep[5] <= 3,
			   "an error reply names the command and a known code");
	} else {
		FUZZ_CHECK(rep[2] == (f[2] | HQFW_PLAIN_REPLY), "the reply answers the command");
		if (f[2] == HQFW_PLAIN_POLL)
			FUZZ_CHECK(rep[3] >= 2 && (rep[3] - 2) % 5 == 0 && (rep[3] - 2) / 5 <= HQFW_WINDOW,
				   "a POLL reply is flags, pending and whole events");
		if (f[2] == HQFW_PLAIN_STATUS)
			FUZZ_CHECK(rep[3] == 11, "a STATUS reply has 11 bytes");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fw_run(data, size, hqfw_plain_handle, check_plain);
	return 0;
}
