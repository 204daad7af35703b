/*
 * mail.c: the outbox and its sender (see mail.h). Being written.
 */
#include "mail.h"
