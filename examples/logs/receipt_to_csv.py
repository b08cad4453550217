"""Convert the 4TU receipt-phase XES log into examples/logs/receipt.csv (how the shipped CSV was made).

Usage: python3 examples/logs/receipt_to_csv.py RECEIPT.xes.gz examples/logs/receipt.csv

It reads the log with journeydsl's own XES reader, keeps every event, and writes one row per event:
case, activity (a short identifier, so that it is the touchpoint's name in the fitted journey),
label (the activity's name in the original log), timestamp (ISO 8601 with its UTC offset, as in
the log), resource and submitted_via (the case's channel: Internet, Desk, Post, E-mail, Intern).
"""

from __future__ import annotations

import csv
import sys

from journeydsl.data.logs import read_log

SHORT = {
    "Confirmation of receipt": "confirm_receipt",
    "T02 Check confirmation of receipt": "t02_check",
    "T03 Adjust confirmation of receipt": "t03_adjust",
    "T04 Determine confirmation of receipt": "t04_determine",
    "T05 Print and send confirmation of receipt": "t05_send_confirmation",
    "T06 Determine necessity of stop advice": "t06_stop_advice",
    "T07-1 Draft intern advice aspect 1": "t07_1_intern_advice",
    "T07-2 Draft intern advice aspect 2": "t07_2_intern_advice",
    "T07-3 Draft intern advice hold for aspect 3": "t07_3_intern_advice_hold",
    "T07-4 Draft internal advice to hold for type 4": "t07_4_intern_advice_hold",
    "T07-5 Draft intern advice aspect 5": "t07_5_intern_advice",
    "T08 Draft and send request for advice": "t08_request_advice",
    "T09-1 Process or receive external advice from party 1": "t09_1_external_advice",
    "T09-2 Process or receive external advice from party 2": "t09_2_external_advice",
    "T09-3 Process or receive external advice from party 3": "t09_3_external_advice",
    "T09-4 Process or receive external advice from party 4": "t09_4_external_advice",
    "T10 Determine necessity to stop indication": "t10_stop_indication",
    "T11 Create document X request unlicensed": "t11_create_document_x",
    "T12 Check document X request unlicensed": "t12_check_document_x",
    "T13 Adjust document X request unlicensed": "t13_adjust_document_x",
    "T14 Determine document X request unlicensed": "t14_determine_document_x",
    "T15 Print document X request unlicensed": "t15_print_document_x",
    "T16 Report reasons to hold request": "t16_hold_reasons",
    "T17 Check report Y to stop indication": "t17_check_report_y",
    "T18 Adjust report Y to stop indicition": "t18_adjust_report_y",
    "T19 Determine report Y to stop indication": "t19_determine_report_y",
    "T20 Print report Y to stop indication": "t20_print_report_y",
}


def main(source: str, target: str) -> None:
    """Write the CSV form of the receipt log ``source`` to ``target``."""
    log = read_log(source)
    with open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["case", "activity", "label", "timestamp", "resource", "submitted_via"])
        for case in log.cases:
            for event in case.events:
                writer.writerow(
                    [
                        case.id,
                        SHORT[event.activity],
                        event.activity,
                        event.timestamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                        event.resource or "",
                        case.attributes.get("channel", ""),
                    ]
                )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
