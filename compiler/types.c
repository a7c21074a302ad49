/* types.c: names of KQL scalar types (see types.h). */
#include "types.h"

#include <strings.h>

const char *rp_type_name(rp_type type)
{
    static const char *const names[] = {"unknown", "string", "bool", "int", "long", "real",
                                        "decimal", "datetime", "timespan", "guid", "dynamic"};
    return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

rp_type rp_type_from_name(const char *name)
{
    static const struct { const char *name; rp_type type; } aliases[] = {
        {"string", RP_TYPE_STRING},   {"bool", RP_TYPE_BOOL},         {"boolean", RP_TYPE_BOOL},
        {"int", RP_TYPE_INT},         {"int32", RP_TYPE_INT},         {"long", RP_TYPE_LONG},
        {"int64", RP_TYPE_LONG},      {"real", RP_TYPE_REAL},         {"double", RP_TYPE_REAL},
        {"float", RP_TYPE_REAL},      {"decimal", RP_TYPE_DECIMAL},   {"datetime", RP_TYPE_DATETIME},
        {"date", RP_TYPE_DATETIME},   {"timespan", RP_TYPE_TIMESPAN}, {"time", RP_TYPE_TIMESPAN},
        {"guid", RP_TYPE_GUID},       {"uniqueid", RP_TYPE_GUID},     {"dynamic", RP_TYPE_DYNAMIC},
        {"object", RP_TYPE_DYNAMIC},  {"array", RP_TYPE_DYNAMIC},     {"sbyte", RP_TYPE_BOOL}};
    if (!name) return RP_TYPE_UNKNOWN;
    for (unsigned i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(name, aliases[i].name) == 0) return aliases[i].type;
    return RP_TYPE_UNKNOWN;
}
