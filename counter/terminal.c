/*
 * The terminal counter (terminal.h). On a tty the keys mirror the unit's keypad: digits are
 * typed first and then the key that takes them (t transfer, c call a number, i sign in), as
 * on the hardware; signing in then asks for the PIN, which is not echoed. Without a tty it
 * reads commands by the names hallq-unit-sim uses ("call", "transfer 5", "signin 1024") and
 * answers one line each; "signin" reads the PIN from the next line. A clerk's terminal has
 * no rating key: the citizen rates, at a unit's evaluator, the kiosk or a phone.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "hq_error.h"
#include "keys.h"
#include "terminal.h"

/* A PIN as the roster takes it (queue/hq_appraisal.h, HQ_PIN_MIN and HQ_PIN_MAX, which this
 * program may not include): a keyboard, unlike a unit's keypad, types the longest. */
#define TERM_PIN_MIN 4
#define TERM_PIN_MAX 12

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct term {
	struct hq_link *link;
	struct hq_client *cl;
	int counter;
	int tty;
	unsigned presses;
	char typed[8];
	int pin_mode;               /* tty: the PIN is being typed for clerk */
	char clerk[32];
	char pin[TERM_PIN_MAX + 1];
	char last[256];             /* the answer to the last press */
	uint64_t version;
};

static const char *state_name(int s)
{
	return s == 0 ? "open" : s == 1 ? "paused" : "closed";
}

static void status_line(struct term *t)
{
	struct hq_cshow v;
	char hall[128], name[128];

	hq_link_view(t->link, t->counter, &v);
	hq_link_names(t->link, t->counter, hall, sizeof hall, name, sizeof name);
	if (t->tty && t->pin_mode)
		printf("\r\033[Kclerk %s, PIN (%d-%d digits, Enter; Esc cancels; not shown): ", t->clerk,
		       TERM_PIN_MIN, TERM_PIN_MAX);
	else if (t->tty)
		printf("\r\033[K%s | now %s | waiting %d | %s%s%s%s%s%s", name[0] ? name : "counter",
		       v.text[0] ? v.text : "----", v.waiting, state_name(v.state),
		       hq_link_up(t->link) ? "" : " | hallqd unreachable", t->last[0] ? " | " : "",
		       t->last, t->typed[0] ? " | typed " : "", t->typed);
	else
		printf("counter %d: now %s, waiting %d, %s%s\n", t->counter, v.text[0] ? v.text : "----",
		       v.waiting, state_name(v.state), hq_link_up(t->link) ? "" : ", hallqd unreachable");
	fflush(stdout);
}

static void new_idem(struct term *t, char *idem, size_t n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(idem, n, "term-%d-%ld-%lld%03ld-%u", t->counter, (long)getpid(),
		 (long long)ts.tv_sec, ts.tv_nsec / 1000000, ++t->presses);
}

/* After a request: how it went, on the tty's status line or as one line of its own. */
static void settled(struct term *t, int tries, const char *op)
{
	if (tries == 4)
		snprintf(t->last, sizeof t->last, "%s: not done, hallqd unreachable", op);
	else
		hq_link_sync(t->link, 500); /* so the status shows the waiting count after it */
	if (!t->tty) {
		printf("%s\n", t->last);
		fflush(stdout);
	}
}

/* One press, retried for a few seconds with the same idempotency key while hallqd is away:
 * unlike a hardware unit, the terminal cannot keep the press for later. */
static void press(struct term *t, const struct hq_key *k, int arg)
{
	char idem[96];
	int tries;

	new_idem(t, idem, sizeof idem);
	for (tries = 0; tries < 4 && !stop; tries++) {
		if (hq_link_press(t->link, t->cl, t->counter, k->code, arg, idem, t->last,
				  sizeof t->last) != HQ_GW_RETRY)
			break;
		nanosleep(&(struct timespec){ 1, 0 }, NULL);
	}
	settled(t, tries, k->op);
}

static int pin_ok(const char *pin)
{
	size_t n = strlen(pin);

	return n >= TERM_PIN_MIN && n <= TERM_PIN_MAX && strspn(pin, "0123456789") == n;
}

/* A roster id: what [clerk ID] allows (docs/config.md), at most 31 characters. */
static int clerk_ok(const char *id)
{
	size_t n = strlen(id);

	return n >= 1 && n < 32 && strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Sign in with the PIN typed; the PIN is wiped as soon as the request is answered. */
static void sign_in(struct term *t, const char *clerk, char *pin, size_t pin_size)
{
	volatile char *wipe = pin;
	char idem[96];
	int tries;
	size_t i;

	if (!pin_ok(pin)) {
		snprintf(t->last, sizeof t->last, "error: a PIN is %d to %d digits; not signed in",
			 TERM_PIN_MIN, TERM_PIN_MAX);
	} else {
		new_idem(t, idem, sizeof idem);
		for (tries = 0; tries < 4 && !stop; tries++) {
			if (hq_link_sign_in(t->link, t->cl, t->counter, clerk, pin, idem, t->last,
					    sizeof t->last) != HQ_GW_RETRY)
				break;
			nanosleep(&(struct timespec){ 1, 0 }, NULL);
		}
		for (i = 0; i < pin_size; i++)
			wipe[i] = '\0';
		settled(t, tries, "sign-in");
		return;
	}
	for (i = 0; i < pin_size; i++)
		wipe[i] = '\0';
	if (!t->tty) {
		printf("%s\n", t->last);
		fflush(stdout);
	}
}

static void help(void)
{
	printf("keys: n call next, r recall, x no-show, s start, f finish, p pause, u resume,\n"
	       "      DIGITS t transfer to counter, DIGITS c call that number,\n"
	       "      DIGITS i sign in as that clerk (then the PIN), o sign out, q quit\n");
}

/* A key while the PIN is typed: digits, backspace, Enter sends, Esc cancels. */
static void pin_key(struct term *t, int ch)
{
	size_t n = strlen(t->pin);

	if (ch >= '0' && ch <= '9') {
		if (n + 1 < sizeof t->pin)
			t->pin[n] = (char)ch, t->pin[n + 1] = '\0';
	} else if ((ch == 127 || ch == 8) && n) {
		t->pin[n - 1] = '\0';
	} else if (ch == '\r' || ch == '\n') {
		t->pin_mode = 0;
		sign_in(t, t->clerk, t->pin, sizeof t->pin);
	} else if (ch == 27) {
		t->pin_mode = 0;
		memset(t->pin, 0, sizeof t->pin);
		snprintf(t->last, sizeof t->last, "sign-in cancelled");
	}
}

static void tty_key(struct term *t, int ch)
{
	static const struct { int ch; const char *name; } map[] = {
		{ 'n', "call" }, { ' ', "call" }, { 'r', "recall" }, { 'x', "noshow" },
		{ 's', "start" }, { 'f', "finish" }, { 'p', "pause" }, { 'u', "resume" },
		{ 'o', "signout" },
	};
	size_t i, n = strlen(t->typed);

	if (t->pin_mode) {
		pin_key(t, ch);
		return;
	}
	if (ch >= '0' && ch <= '9') {
		if (n + 1 < sizeof t->typed && !(n == 0 && ch == '0'))
			t->typed[n] = (char)ch, t->typed[n + 1] = '\0';
		return;
	}
	if ((ch == 127 || ch == 8) && n) {
		t->typed[n - 1] = '\0';
		return;
	}
	if (ch == 't' || ch == 'c') {
		if (!n)
			snprintf(t->last, sizeof t->last, "type the %s first", ch == 't' ? "counter" : "number");
		else
			press(t, hq_key_by_name(ch == 't' ? "transfer" : "number"), atoi(t->typed));
		t->typed[0] = '\0';
		return;
	}
	if (ch == 'i') {
		if (!n) {
			snprintf(t->last, sizeof t->last, "type your clerk id first, then i");
		} else {
			snprintf(t->clerk, sizeof t->clerk, "%s", t->typed);
			memset(t->pin, 0, sizeof t->pin);
			t->pin_mode = 1;
		}
		t->typed[0] = '\0';
		return;
	}
	if (ch == '?' || ch == 'h') {
		printf("\n");
		help();
		return;
	}
	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].ch == ch)
			press(t, hq_key_by_name(map[i].name), 0);
}

/* A command line; "signin ID" takes the PIN from the next line, which *want_pin asks for. */
static void line_command(struct term *t, char *line, int *want_pin)
{
	char *name = strtok(line, " \t\r\n"), *arg = strtok(NULL, " \t\r\n"), *end;
	const struct hq_key *k;
	long v = 0;

	if (!name)
		return;
	if (!strcmp(name, "status")) {
		status_line(t);
		return;
	}
	k = hq_key_by_name(name);
	if (!strcmp(name, "signin") || (k && k->code == 11)) {
		if (!arg || !clerk_ok(arg)) {
			printf("error: signin needs a clerk id (letters a-z, digits, _ and -)\n");
			return;
		}
		snprintf(t->clerk, sizeof t->clerk, "%s", arg);
		printf("PIN: ");
		fflush(stdout);
		*want_pin = 1;
		return;
	}
	if (k && (k->flags & HQ_KEY_UNIT_ONLY)) {
		printf("error: a clerk's terminal has no %s key: the citizen rates, at the counter "
		       "unit, the kiosk or the ticket's page\n", k->name);
		return;
	}
	if (!k) {
		printf("error: unknown key \"%s\" (call recall noshow start finish pause resume "
		       "transfer N number N signin ID signout status quit)\n", name);
		return;
	}
	if (k->arg) {
		errno = 0;
		v = arg ? strtol(arg, &end, 10) : 0;
		if (!arg || errno || *end || v < k->arg_min || v > k->arg_max) {
			printf("error: %s needs a number from %d to %d\n", k->name, k->arg_min, k->arg_max);
			return;
		}
	}
	press(t, k, (int)v);
}

int hq_terminal_run(struct hq_link *l, const char *url, const char *token, int counter)
{
	struct term t = { .link = l, .counter = counter, .tty = isatty(STDIN_FILENO) };
	struct termios saved, raw;
	struct sigaction sa = { .sa_handler = on_signal };
	char line[256];
	size_t len = 0;
	int i, want_pin = 0;

	if (!(t.cl = hq_client_new(url, token)))
		return 1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Wait for the first look at the hall, so the first line already shows the counter. */
	for (i = 0; i < 30 && !hq_link_up(l); i++)
		nanosleep(&(struct timespec){ 0, 100 * 1000000L }, NULL);
	hq_link_wait(l, &t.version, 200);
	if (t.tty) {
		tcgetattr(STDIN_FILENO, &saved);
		raw = saved;
		raw.c_lflag &= ~(ICANON | ECHO); /* ISIG stays: Ctrl-C still stops */
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		help();
	}
	status_line(&t);
	while (!stop) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		uint64_t before = t.version;
		char c;
		ssize_t r;

		if (poll(&pfd, 1, 200) <= 0) {
			hq_link_wait(l, &t.version, 0);
			if (t.version != before && t.tty)
				status_line(&t);
			continue;
		}
		if ((r = read(STDIN_FILENO, &c, 1)) <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			break; /* end of input */
		}
		if (t.tty) {
			if (c == 'q' && !t.pin_mode)
				break;
			tty_key(&t, c);
			status_line(&t);
			continue;
		}
		if (c != '\n' && len + 1 < sizeof line) {
			line[len++] = c;
			continue;
		}
		line[len] = '\0';
		len = 0;
		if (want_pin) {
			/* The line is the PIN: it goes to hallqd and is wiped, never echoed back. */
			want_pin = 0;
			line[strcspn(line, "\r")] = '\0';
			printf("\n");
			sign_in(&t, t.clerk, line, sizeof line);
			continue;
		}
		if (!strcmp(line, "quit") || !strcmp(line, "q"))
			break;
		line_command(&t, line, &want_pin);
		fflush(stdout);
	}
	if (t.tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		printf("\n");
	}
	hq_client_free(t.cl);
	return 0;
}
