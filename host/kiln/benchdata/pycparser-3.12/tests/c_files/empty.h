#define PERFECTLY
#define NORMAL
#define TO
#define HAVE
#define HEADER
#define WITH
#define ONLY
#define DEFINES
