#include "_fake_defines.h"
#include "_fake_typedefs.h"
#include "_X11_fake_defines.h"
#include "_X11_fake_typedefs.h"
