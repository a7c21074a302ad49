#!/usr/bin/env python3
"""Writes a pack of N Sentinel rule files (Scheduled and NRT analytic rules and hunting queries)
shaped like real content: varied tables, connectors, tactics, techniques, entity mappings and
KQL with lets, filters, summarize. Deterministic (seeded). Usage: gen_pack.py DIR N"""
import os, random, sys, uuid

TABLES = [
    ("DeviceProcessEvents", "MicrosoftThreatProtection", ["FileName", "ProcessCommandLine", "InitiatingProcessFileName", "ProcessVersionInfoProductName"], "DeviceName", "AccountName"),
    ("DeviceNetworkEvents", "MicrosoftThreatProtection", ["RemoteUrl", "InitiatingProcessFileName", "InitiatingProcessCommandLine"], "DeviceName", "InitiatingProcessAccountName"),
    ("DeviceFileEvents", "MicrosoftThreatProtection", ["FileName", "FolderPath", "InitiatingProcessFileName"], "DeviceName", "InitiatingProcessAccountName"),
]
TACTICS = [("Execution", "T1059"), ("CommandAndControl", "T1219"), ("Persistence", "T1053"), ("DefenseEvasion", "T1036"), ("Discovery", "T1082")]
WORDS = ["anydesk", "meshcentral", "screenconnect", "teamviewer", "rustdesk", "atera", "splashtop", "ngrok", "psexec", "rclone"]

def rule(i, rnd):
    table, connector, cols, host, account = rnd.choice(TABLES)
    tactic, technique = rnd.choice(TACTICS)
    kind = rnd.choice(["Scheduled", "Scheduled", "NRT", None])
    word = rnd.choice(WORDS)
    col = rnd.choice(cols)
    rid = uuid.UUID(int=rnd.getrandbits(128), version=4)
    lines = [f"id: {rid}", f"name: Generated rule {i} - {word} in {table}",
             "description: |", f"  Detects {word} activity seen in {table}. Generated for the benchmark.",
             "severity: " + rnd.choice(["Low", "Medium", "High"]),
             "requiredDataConnectors:", f"  - connectorId: {connector}", "    dataTypes:", f"      - {table}"]
    if kind:
        lines.append(f"kind: {kind}")
    if kind == "Scheduled":
        lines += ["queryFrequency: 1h", "queryPeriod: 1h", "triggerOperator: gt", "triggerThreshold: 0"]
    lines += ["tactics:", f"  - {tactic}", "relevantTechniques:", f"  - {technique}", "query: |",
              "  let lookback = 1h;", f"  {table}", "  | where Timestamp > ago(lookback)",
              f"  | where {col} has '{word}' or {col} startswith '{word}'",
              f"  | summarize Count=count(), FirstSeen=min(Timestamp) by {host}, {account}"]
    if kind:
        lines += ["entityMappings:", "  - entityType: Host", "    fieldMappings:", "      - identifier: HostName", f"        columnName: {host}",
                  "  - entityType: Account", "    fieldMappings:", "      - identifier: Name", f"        columnName: {account}",
                  "version: 1.0.0"]
    return "\n".join(lines) + "\n"

def main():
    out, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(20261128)
    for i in range(n):
        sub = os.path.join(out, f"d{i // 1000:03d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"rule_{i:05d}.yaml"), "w") as f:
            f.write(rule(i, rnd))

main()
