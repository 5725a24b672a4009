*** Settings ***
Documentation       Checks a member's chart of accounts (kontoplan) before it is loaded into
...                 the finance system: every account has a four-digit number and a name,
...                 no number is used twice, and every account sits under a known main group.
Library             kontoplan.py

*** Variables ***
${CHART}            data/kontoplan.csv

*** Tasks ***
Kontroller kontoplan
    ${accounts}=    Read Chart Of Accounts    ${CHART}
    ${count}=    Get Length    ${accounts}
    Log To Console    ${count} konti læst fra ${CHART}
    ${problems}=    Find Problems    ${accounts}
    FOR    ${problem}    IN    @{problems}
        Log To Console    Afvigelse: ${problem}
    END
    ${found}=    Get Length    ${problems}
    Log To Console    Færdig: ${found} afvigelser fundet
