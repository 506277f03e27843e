/*
 * The hall configuration: one INI file that names the hall, its services, its counters,
 * the counter buses they hang on, how its ticket kiosks behave, its working calendar, the
 * rules of electronic supervision, the monthly appraisal's weights and the clerks' roster.
 * hq_config_parse() reads it into a struct whose values are all checked for range; an
 * error names the file, the line and the reason.
 * Unknown sections and keys are errors, because a typo silently ignored in a hall's
 * setup is found only when citizens queue at the wrong counter.
 *
 * Ownership: hq_config_parse*() allocate the whole struct; hq_config_free() frees it and
 * everything it points to, and accepts NULL.
 */
#ifndef HQ_CONFIG_H
#define HQ_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HQ_KEY_MAX 32       /* service and bus keys: [a-z0-9_-], 1..31 chars */
#define HQ_PREFIX_MAX 4     /* ticket letter prefix: 1..3 upper-case letters */
#define HQ_NAME_MAX 128     /* display names, UTF-8 */
#define HQ_MAX_SERVICES 64
#define HQ_MAX_COUNTERS 256
#define HQ_MAX_PERIODS 4    /* opening periods per day, e.g. morning and afternoon */
#define HQ_MAX_COUNTER_SERVICES 16
#define HQ_URL_MAX 200      /* public_url: up to 199 bytes */
#define HQ_FOOTER_MAX 256   /* the kiosk's ticket footer: up to 255 bytes */

/* An opening period in minutes since local midnight, [open, close). */
struct hq_period {
	int open;
	int close;
};

struct hq_service {
	char key[HQ_KEY_MAX];
	char name[HQ_NAME_MAX];     /* Chinese name, shown first */
	char name_en[HQ_NAME_MAX];  /* English name; may be empty */
	char prefix[HQ_PREFIX_MAX]; /* "A" for A001 */
	int first, last;            /* number range, e.g. 1..999 */
	int digits;                 /* zero-padded width of the number, from `last` */
	int daily_cap;              /* tickets issued per day; at most last-first+1 */
	struct hq_period periods[HQ_MAX_PERIODS];
	int nperiods;
	unsigned days;              /* bit 0 = Sunday ... bit 6 = Saturday (tm_wday) */
	int target_minutes;         /* expected service time, the estimate's seed */
	int max_wait_minutes;       /* on-time threshold for the statistics */
	bool priority_lane;         /* every ticket of this service is priority class */
	int appointments_per_slot;  /* 0: the service takes no appointments */
};

enum hq_bus_type {
	HQ_BUS_PLAIN,      /* our framed serial protocol */
	HQ_BUS_MODBUS_RTU,
	HQ_BUS_MODBUS_TCP,
};

struct hq_bus {
	char key[HQ_KEY_MAX];
	enum hq_bus_type type;
	char port[HQ_NAME_MAX];     /* serial device, or host for modbus-tcp */
	int baud;                   /* serial buses */
	char parity;                /* serial buses: 'N', 'E' (default) or 'O'; 8 data bits,
				       2 stop bits without parity (11 bits a character) */
	int tcp_port;               /* modbus-tcp */
	int timeout_ms;             /* reply timeout per unit */
};

struct hq_counter_cfg {
	int number;                 /* 1..9999, what the hall calls it: "3号窗口" */
	char name[HQ_NAME_MAX];
	char name_en[HQ_NAME_MAX];
	int services[HQ_MAX_COUNTER_SERVICES]; /* indexes into hq_config.services, in order of preference */
	int nservices;
	int bus;                    /* index into hq_config.buses, -1 if not wired */
	int address;                /* unit address on that bus, 1..247 */
};

/*
 * [alert NAME]: a rule of electronic supervision (电子监察). Each kind watches one thing,
 * with the parameters below; a parameter that does not apply to a kind is refused in the
 * file and is 0 in the struct. A hall starts with one default rule of each kind
 * (hq_config_default_alerts, in this order); a section named like one changes it (or turns
 * it off: enabled = no), a new name adds a rule, which needs rule = and takes the default
 * rule of its kind's values for what it does not give. docs/config.md has the reference.
 *
 *   kind          parameters (range)                       default rule
 *   wait          percent (50..1000), services             long_wait: 100
 *   queue         count (1..10000), services               long_queue: 20
 *   pause         minutes (1..480)                         long_pause: 30
 *   pause_reason  minutes (0..480)                         pause_no_reason: 2
 *   unstaffed     minutes (0..480)                         unstaffed: 5
 *   idle          minutes (1..480)                         no_calls: 15
 *   slow          percent (110..1000), minutes (0..480),   slow_service: 300, 5
 *                 services
 *   noshows       count (2..100)                           noshow_streak: 3
 *   bad_review    services                                 bad_review
 *   case_overdue  services                                 case_overdue
 *   device        minutes (0..480)                         device_down: 1
 */
#define HQ_ALERT_KIND_MAP(X)                                                               \
	X(WAIT, "wait")                 /* a ticket waiting over percent% of max_wait */   \
	X(QUEUE, "queue")               /* more than count waiting for a service */        \
	X(PAUSE, "pause")               /* a counter paused longer than minutes */         \
	X(PAUSE_REASON, "pause_reason") /* paused with no reason for minutes */            \
	X(UNSTAFFED, "unstaffed")       /* open, people waiting, no clerk, for minutes */  \
	X(IDLE, "idle")                 /* open with a clerk, people waiting, no call */   \
	X(SLOW, "slow")                 /* a service over percent% of its median */        \
	X(NOSHOWS, "noshows")           /* count no-shows in a row at a counter */         \
	X(BAD_REVIEW, "bad_review")     /* a bad review whose case is not verified yet */  \
	X(CASE_OVERDUE, "case_overdue") /* a bad-review case past its due date */          \
	X(DEVICE, "device")             /* a gateway, unit, kiosk or printer down */
enum hq_alert_kind {
#define HQ_ALERT_KIND_ENUM(name, text) HQ_ALERT_##name,
	HQ_ALERT_KIND_MAP(HQ_ALERT_KIND_ENUM)
#undef HQ_ALERT_KIND_ENUM
	HQ_ALERT_NKINDS
};
enum hq_severity { HQ_SEV_INFO, HQ_SEV_WARNING, HQ_SEV_CRITICAL };
#define HQ_MAX_ALERT_RULES 32       /* the HQ_ALERT_NKINDS defaults and the hall's own */

struct hq_alert_rule {
	char name[HQ_KEY_MAX];
	enum hq_alert_kind kind;
	enum hq_severity severity;
	bool enabled;
	int minutes;                /* how long a condition holds before it is raised */
	int count;                  /* queue: people waiting; noshows: in a row */
	int percent;                /* wait: of max_wait_minutes; slow: of the median */
	uint64_t services;          /* bit i: services[i] only; 0: every service */
};
const char *hq_alert_kind_name(enum hq_alert_kind k);
/* The default rules, as a hall without [alert] sections has them: one of each kind, in
 * kind order (out[k].kind == k); copies at most max and returns how many. */
int hq_config_default_alerts(struct hq_alert_rule *out, int max);
const char *hq_severity_name(enum hq_severity s);

/*
 * [appraisal]: the monthly window appraisal (月考核, 红旗窗口). A window's score is the sum
 * of weight x component (each component 0..100, the weights in percent and adding up to
 * 100, so a perfect window scores 100), less the penalties in points; docs/queue.md has the
 * worked example. Without the section a hall has the defaults (docs/config.md).
 */
struct hq_appraisal_cfg {
	int weight_volume;          /* served, against the busiest window of the period */
	int weight_on_time;         /* on-time wait rate */
	int weight_satisfaction;    /* 好差评 satisfaction rate */
	int weight_rectify;         /* 差评整改率 */
	int penalty_alert;          /* points per alert the window caused */
	int penalty_absence;        /* points per absence (open, nobody signed in) */
	int penalty_bad_review;     /* points per bad review */
	int red_flag_count;         /* the top this many windows are 红旗窗口 */
	int min_served;             /* fewer served in the period: not ranked */
};

/*
 * [retention]: how long personal data and history are kept (docs/config.md, docs/queue.md).
 * hq_queue_retention() applies it, hallqd at each roll-over of the day and `hallq retention`
 * when asked. Without the section a hall has the defaults.
 */
#define HQ_ARCHIVE_MAX 256
struct hq_retention {
	int personal_days;          /* appointment names and phones erased this many days after
				       the appointment's day; 1..3650, default 30 */
	int keep_months;            /* tickets, events and what hangs on them purged when older
				       than the current month and this many before it; 0 (the
				       default) keeps them for ever */
	char archive[HQ_ARCHIVE_MAX]; /* absolute path: what is purged is first appended to it
					 as JSON lines; "" purges without an archive */
};

/*
 * [clerk ID]: the roster that sign-in checks (also hallq clerk add, in the database). The
 * id is matched as written: a counter unit's keypad can key in digits only, so a clerk who
 * signs in at a unit needs a numeric id ("1024"; "0042" and "42" are two clerks).
 */
#define HQ_PIN_HASH_MAX 128
#define HQ_MAX_CLERKS 2000          /* in the config; the database's roster has no limit */
struct hq_clerk_cfg {
	char id[HQ_KEY_MAX];        /* staff id, [a-z0-9_-], 1..31 characters */
	char name[HQ_NAME_MAX];     /* never empty */
	char pin_hash[HQ_PIN_HASH_MAX]; /* crypt(3) hash of the PIN: "$y$...", "$6$..."; never
					   the PIN itself */
};

/* Days in each of [hall] holidays and workdays: a few years of public holidays. */
#define HQ_MAX_DATES 128

/* [kiosk]: how the ticket kiosks (kiosk/) behave; the defaults when the section is absent. */
struct hq_kiosk_cfg {
	bool refuse_on_fault;       /* on_printer_fault = refuse: no tickets while the printer
				       cannot print; screen (false): show the ticket and its QR code */
	int confirm_seconds;        /* how long the confirmation screen stays, 3..120 */
	bool priority;              /* offer the priority path (elderly, disabled, green channel) */
	bool appointments;          /* offer appointment check-in */
	char footer[HQ_FOOTER_MAX]; /* printed at the bottom of each ticket; may be empty */
};

/*
 * [limits]: what hallqd lets one client take (server/limits.c, docs/config.md). 0 turns the
 * limits that allow it off. header_bytes and idle_timeout are libmicrohttpd's and apply
 * from hallqd's start; the others change at a reload.
 */
struct hq_limits_cfg {
	int conn_per_addr;          /* connections open from one address; 0: no limit */
	int rate;                   /* requests per second per token, session or address; 0: none */
	int burst;                  /* requests one of them may send at once, above the rate */
	int streams_per_token;      /* event streams open per token, session or address; 0: none */
	int header_bytes;           /* a request's line and headers (the connection's memory) */
	int body_bytes;             /* a request's body (a gateway's health report: at least 64 KiB) */
	int request_timeout;        /* seconds for a request's headers and body to arrive */
	int idle_timeout;           /* seconds a connection may be silent */
};

/* [hall] id: a stable code for the hall across a region, 1..31 of A-Z a-z 0-9 _ - (the
 * administrative division code and a suffix, "330110-001"); every row the hall forwards to
 * the centre carries it. */
#define HQ_HALL_ID_MAX 32

struct hq_config {
	char name[HQ_NAME_MAX];
	/* Federation (docs/config.md, docs/central.md): "" when the hall stands alone; hallq-sync
	 * needs an id. region is "township", "county", "city" or ""; parent the id of the hall
	 * above, "" at the top. */
	char hall_id[HQ_HALL_ID_MAX];
	char region[16];
	char parent[HQ_HALL_ID_MAX];
	char name_en[HQ_NAME_MAX];
	bool lang_en;               /* show and say English beside Chinese */
	char notice[512];           /* scrolling line on the wall display */
	int priority_ratio;         /* after this many priority calls in a row, one normal; 0 = strict */
	int noshow_after_recalls;   /* a recall past this many becomes a no-show; 0 = never */
	int checkin_early_minutes;  /* appointment check-in window around the slot */
	int checkin_late_minutes;
	int slot_minutes;           /* appointment slot length */
	int estimate_samples;       /* turns of a service the wait estimate needs at least */
	bool estimate_range;        /* estimate_display = range: show "15-25 min", not "20 min" */
	char public_url[HQ_URL_MAX]; /* "http://hall.example.cn:8080", no trailing slash; "" if
					status URLs come from the request's Host header */
	struct hq_kiosk_cfg kiosk;
	/* 好差评: a review edited within this; bad-review cases' due dates in working days. */
	int review_edit_minutes;
	int rectify_working_days;
	int revisit_working_days;
	/* The working calendar: Monday to Friday, less holidays, plus the weekend days worked
	 * instead (调休). Days since 1970-01-01 (hq_civil_days), sorted, without repeats; no
	 * day is in both lists, and every workday is a Saturday or a Sunday. */
	int32_t holidays[HQ_MAX_DATES];
	int nholidays;
	int32_t workdays[HQ_MAX_DATES];
	int nworkdays;
	bool roster_open;           /* sign_in = open: any clerk id; roster (default): only the roster's */
	int session_hours;          /* a web page's sign-in lasts this long (hq_session.h) */
	bool require_tls;           /* hallqd refuses tokens over plain HTTP from other machines */
	struct hq_alert_rule alerts[HQ_MAX_ALERT_RULES]; /* the defaults, then the file's */
	int nalerts;
	struct hq_appraisal_cfg appraisal;
	struct hq_retention retention;
	struct hq_limits_cfg limits;
	struct hq_clerk_cfg *clerks;
	size_t nclerks;

	struct hq_service *services;
	size_t nservices;
	struct hq_counter_cfg *counters;
	size_t ncounters;
	struct hq_bus *buses;
	size_t nbuses;
};

/*
 * Parse a config from a file or from memory. On success *out owns a new config. On
 * failure returns HQ_ECONFIG (or HQ_EIO, HQ_ENOMEM) and writes "FILE:LINE: reason" to
 * err (errlen bytes, may be NULL). `name` is what errors call the text.
 */
int hq_config_parse_file(const char *path, struct hq_config **out, char *err, size_t errlen);
int hq_config_parse_string(const char *text, const char *name, struct hq_config **out,
			   char *err, size_t errlen);
void hq_config_free(struct hq_config *cfg);

/* Look-ups; NULL or -1 when absent. */
const struct hq_service *hq_config_service(const struct hq_config *cfg, const char *key);
int hq_config_service_index(const struct hq_config *cfg, const char *key);
const struct hq_counter_cfg *hq_config_counter(const struct hq_config *cfg, int number);

/* Is the service open at this local minute of day on this weekday (0 = Sunday)? */
bool hq_service_open_at(const struct hq_service *s, int wday, int minute);
/* When the service is closed at ms: the start of its next opening period later that local
 * day (unix ms). 0 when it is open at ms or opens no more that day (hours.c). */
int64_t hq_service_opens_later(const struct hq_service *s, int64_t ms);

/*
 * When the hall is open (hours.c). The hall counts as open when at least half its services
 * (rounded up) are: one service with longer hours, or a Saturday service, does not make a
 * hall. hq_config_next_open() gives ms itself when at least `need` services are open then,
 * else the first whole local minute after it when they are, 0 if none within eight days.
 */
int hq_config_open_count(const struct hq_config *cfg, int64_t ms);
/*
 * Working days (hours.c), for the due dates of bad-review cases: Monday to Friday, less
 * the hall's holidays, plus its workdays (调休). day is "YYYY-MM-DD" (hq_parse_day);
 * hq_config_working_day() is false for a malformed day. hq_config_add_working_days()
 * writes to out the date n working days after day (day itself need not be one, and is not
 * counted; n = 0 gives day), and returns HQ_EINVAL for a malformed day or n outside
 * 0..HQ_MAX_WORKING_DAYS. A NULL cfg is a plain Monday-to-Friday week.
 */
#define HQ_MAX_WORKING_DAYS 1000
bool hq_config_working_day(const struct hq_config *cfg, const char *day);
int hq_config_add_working_days(const struct hq_config *cfg, const char *day, int n, char out[11]);
/* The alert rule of that name, the roster's clerk of that id; NULL when there is none. */
const struct hq_alert_rule *hq_config_alert(const struct hq_config *cfg, const char *name);
const struct hq_clerk_cfg *hq_config_clerk(const struct hq_config *cfg, const char *id);
int hq_config_open_need(const struct hq_config *cfg);
int64_t hq_config_next_open(const struct hq_config *cfg, int64_t ms, int need);

#endif
