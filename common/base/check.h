// Invariant checks: a broken invariant is a bug, so it crashes loudly with the
// place and the condition. Bad input and I/O errors never go through here.
#pragma once

#include <cstdio>
#include <cstdlib>

#define CODI_CHECK(cond, msg)                                                                  \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "%s:%d: check failed: %s: %s\n", __FILE__, __LINE__, #cond, (msg)); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)
