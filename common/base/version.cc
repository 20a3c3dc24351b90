#include "common/base/version.h"

namespace codi {

const char* Version() { return "0.1.0"; }

}  // namespace codi
