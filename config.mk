# hallq build settings. Override on the command line: make PREFIX=/opt/hallq install
VERSION = 0.1.0

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
DATADIR = $(PREFIX)/share/hallq
DOCDIR = $(PREFIX)/share/doc/hallq
# The hall's config, the tokens and the services' environment files: /etc/hallq whatever
# PREFIX is, where the units look for them (SYSCONFDIR=$(PREFIX)/etc to keep all under PREFIX).
SYSCONFDIR = /etc
# The systemd units and the hallq system user (dist/systemd, dist/sysusers.d).
UNITDIR = $(PREFIX)/lib/systemd/system
SYSUSERSDIR = $(PREFIX)/lib/sysusers.d

CC = cc
PKG_CONFIG = pkg-config

# make SANITIZE=address,undefined test builds into its own folder.
SANITIZE =
BUILD = build$(if $(SANITIZE),-san)

CFLAGS = -std=c11 -O2 -g -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
LDFLAGS =
