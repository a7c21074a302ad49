/* types.h: KQL scalar types, shared by the schema, the KQL analysis, the IR and the runtime. */
#ifndef RP_TYPES_H
#define RP_TYPES_H

typedef enum rp_type {
    RP_TYPE_UNKNOWN,  /* not known (open row, undeclared function): no type errors downstream */
    RP_TYPE_STRING,
    RP_TYPE_BOOL,
    RP_TYPE_INT,
    RP_TYPE_LONG,
    RP_TYPE_REAL,
    RP_TYPE_DECIMAL,
    RP_TYPE_DATETIME,
    RP_TYPE_TIMESPAN,
    RP_TYPE_GUID,
    RP_TYPE_DYNAMIC
} rp_type;

/* "string", "long", ... (KQL spelling). */
const char *rp_type_name(rp_type type);
/* Parses a type name as schemas spell it ("String", "datetime", "int64", "boolean", "object"...). */
rp_type rp_type_from_name(const char *name);

#endif
