"""The demo catalog's robot: shows a run's life (parameters in, progress out) on sample work.

The runner agent starts it with the deployment's parameters in RK_PARAMETERS.
"""

import json
import os
import random
import time

parameters = json.loads(os.environ.get("RK_PARAMETERS") or "{}")
print(f"Starter kørsel {os.environ.get('RK_JOB_ID')} med parametre: {parameters}")
cases = random.randint(3, 8)
for case in range(1, cases + 1):
    time.sleep(1)
    print(f"Sag {case} af {cases} behandlet")
print(f"Færdig: {cases} sager behandlet")
