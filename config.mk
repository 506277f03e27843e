# hallq build settings. Override on the command line: make PREFIX=/opt/hallq install
VERSION = 0.1.0

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
DATADIR = $(PREFIX)/share/hallq

CC = cc
PKG_CONFIG = pkg-config

# make SANITIZE=address,undefined test builds into its own folder.
SANITIZE =
BUILD = build$(if $(SANITIZE),-san)

CFLAGS = -std=c11 -O2 -g -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
LDFLAGS =
