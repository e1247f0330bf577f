/* vigil — the library's version, the one place it is written down.
 *
 * The Makefile reads VIGIL_VERSION_MAJOR/MINOR/PATCH from this file (for vigil.pc, the shared
 * library's file name and the CLI's --version), so a release changes these three lines only.
 * VIGIL_VERSION_STRING is what the header you compiled against says; vigil_version() is what the
 * library you linked says: an application that wants to detect a mismatch compares the two. */
#ifndef VIGIL_VERSION_H
#define VIGIL_VERSION_H

#define VIGIL_VERSION_MAJOR 0
#define VIGIL_VERSION_MINOR 1
#define VIGIL_VERSION_PATCH 0

#define VIGIL_VERSION_STR_(x) #x
#define VIGIL_VERSION_XSTR_(x) VIGIL_VERSION_STR_(x)
/* "MAJOR.MINOR.PATCH", e.g. "0.1.0". */
#define VIGIL_VERSION_STRING                                                                       \
    VIGIL_VERSION_XSTR_(VIGIL_VERSION_MAJOR) "." VIGIL_VERSION_XSTR_(VIGIL_VERSION_MINOR) "."      \
        VIGIL_VERSION_XSTR_(VIGIL_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the linked library, "MAJOR.MINOR.PATCH"; a static string, never NULL. */
const char *vigil_version(void);

#ifdef __cplusplus
}
#endif
#endif
