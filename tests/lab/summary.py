"""Print what `make demo` deployed and where the generated files are."""
import json
import os
import subprocess
import sys

out_dir = sys.argv[1]
seconds = int(sys.argv[2]) if len(sys.argv) > 2 else None
plan_path = os.path.join(out_dir, "plan.json")
print("")
print("== onprem.coder demo: summary ==")
if seconds is not None:
    print("site.yml ran in %d s against the local lab" % seconds)
names = subprocess.run(["podman", "ps", "--filter", "label=onprem.coder/lab=onprem-coder-lab",
                        "--format", "{{.Names}}"], stdout=subprocess.PIPE, universal_newlines=True,
                       check=False).stdout.split()
print("lab hosts (podman containers): %s" % (", ".join(sorted(names)) or "none running"))
if os.path.exists(plan_path):
    with open(plan_path) as handle:
        plan = json.load(handle)
    print("plan: tier %s for %s users -> %s and %s" % (plan["tier"], plan["users"], plan_path,
                                                       os.path.join(out_dir, "plan.md")))
for path in sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else []:
    if path not in ("plan.json", "plan.md"):
        print("generated: %s" % os.path.join(out_dir, path))
print("phases: plan, preflight and database ran for real (PostgreSQL HA on lab-pg1..3: Patroni, etcd,")
print("        HAProxy behind the VIP 10.89.60.100, pgBackRest on lab-backup1); kubernetes prepared")
print("        lab-cp1, lab-coder1 and lab-ws1 (containerd) and stopped there: kubeadm cannot run here;")
print("        coder, proxies and observability wrote their Helm values (%s) and skipped" % os.path.join(out_dir, "helm"))
print("        the installs: Coder cannot run here (docs/testing.md says what has run).")
print("database: psql 'host=10.89.60.100 port=5000 dbname=coder user=coder sslmode=verify-full")
print("          sslrootcert=%s' (password: coder_database_password in inventories/lab)"
      % os.path.join(out_dir, "pki", "ca.crt"))
print("enter a host: podman exec -it lab-pg1 bash    remove the lab: make lab-down")
