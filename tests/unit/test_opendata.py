"""Open data serializers: exact CSV bytes and a NIST report worked out by hand."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import replace

import pytest

from exports import nist
from exports import opendata as od

AT = dt.datetime(2021, 5, 23, 12, 30, tzinfo=dt.UTC)
HEADER = (
    "district_code,district_name,ward_code,ward_name,voting_area_code,voting_area_name,"
    "contest_code,unit_code,round_no,status,version,voters_on_roll,voters_voted,"
    "ballots_issued,ballots_received,ballots_valid,ballots_invalid,updated_at\r\n"
)
PLAIN = od.RecordRow(
    "T1",
    "Quận Một",
    "T1A",
    "Phường An Biên",
    "T1A-1",
    "Khu vực bỏ phiếu số 1",
    "QH",
    "QH1",
    1,
    "verified",
    2,
    1000,
    900,
    900,
    900,
    882,
    18,
    AT,
)
HOSTILE = replace(
    PLAIN,
    district_code="",
    district_name="",
    voting_area_code="T1A-2",
    voting_area_name='=HYPERLINK("http://x","y")',
    ward_name="Tổ 3, ấp Bắc",
    status="submitted",
    version=1,
)


def test_records_csv_is_excel_ready_utf8_with_one_row_per_record():
    expected = (
        "\ufeff"
        + HEADER
        + "T1,Quận Một,T1A,Phường An Biên,T1A-1,Khu vực bỏ phiếu số 1,QH,QH1,1,verified,2,"
        "1000,900,900,900,882,18,2021-05-23T12:30:00.000000Z\r\n"
        ',,T1A,"Tổ 3, ấp Bắc",T1A-2,"\'=HYPERLINK(""http://x"",""y"")",QH,QH1,1,submitted,1,'
        "1000,900,900,900,882,18,2021-05-23T12:30:00.000000Z\r\n"
    )
    assert od.records_csv([PLAIN, HOSTILE]) == expected.encode("utf-8")


def test_a_formula_never_reaches_a_spreadsheet_and_reads_back_quoted():
    text = od.records_csv([HOSTILE]).decode("utf-8-sig")
    [row] = csv.DictReader(io.StringIO(text))
    assert row["voting_area_name"] == '\'=HYPERLINK("http://x","y")'
    assert row["ward_name"] == "Tổ 3, ấp Bắc"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(start):
    row = od.VoteRow("T1A-1", "QH", "QH1", 1, "QH1-1", f"{start}1+1", 1, 5)
    text = od.votes_csv([row]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][5] == f"'{start}1+1"


def test_an_empty_export_still_has_its_header():
    assert od.records_csv([]) == ("\ufeff" + HEADER).encode()
    assert (
        od.votes_csv([])
        == (
            "\ufeffvoting_area_code,contest_code,unit_code,round_no,candidate_code,"
            "candidate_name,ballot_order,votes\r\n"
        ).encode()
    )


def test_votes_csv_has_one_row_per_record_and_candidate():
    rows = [
        od.VoteRow("T1A-1", "QH", "QH1", 1, "QH1-1", "Nguyễn Văn An", 1, 882),
        od.VoteRow("T1A-1", "QH", "QH1", 1, "QH1-2", "Trần Thị Bình", 2, 0),
    ]
    assert od.votes_csv(rows).decode("utf-8") == (
        "\ufeffvoting_area_code,contest_code,unit_code,round_no,candidate_code,"
        "candidate_name,ballot_order,votes\r\n"
        "T1A-1,QH,QH1,1,QH1-1,Nguyễn Văn An,1,882\r\n"
        "T1A-1,QH,QH1,1,QH1-2,Trần Thị Bình,2,0\r\n"
    )


def test_a_long_export_comes_in_chunks_with_one_bom():
    rows = [replace(PLAIN, version=n) for n in range(1, 2 * od.CHUNK_ROWS + 2)]
    chunks = list(od.records_csv_chunks(rows))
    assert len(chunks) == 3
    whole = b"".join(chunks)
    assert whole == od.records_csv(rows)
    assert whole.count(b"\xef\xbb\xbf") == 1
    assert whole.count(b"\r\n") == 2 * od.CHUNK_ROWS + 2


# A ward T1 of city T, two voting areas; one unit U1 of 2 seats with three candidates.
# Round 1: valid 1.770 (1.800 received − 30 invalid). A 1.500 × 2 > 1.770 and
# B 1.000 × 2 > 1.770 qualify and fill both seats; C 300 does not.
CANDIDATES = (
    od.CandidateInfo("A", "Nguyễn Văn A", "Nam", dt.date(1960, 1, 2), 1),
    od.CandidateInfo("B", "Trần Thị B", "Nữ", dt.date(1970, 3, 4), 2),
    od.CandidateInfo("C", "Lê Văn C", "Nam", dt.date(1980, 5, 6), 3),
)
ROUND_1 = od.RoundInfo(
    1, "first", 2, 2, 2, 1, 2000, 1800, 1800, 30, (("A", 1500), ("B", 1000), ("C", 300)), ("A", "B")
)
UNIT = od.UnitInfo("U1", "Đơn vị số 1", "QH", "Quốc hội", ("T1-1", "T1-2"), CANDIDATES, (ROUND_1,))
PRECINCTS = [
    od.PrecinctVote("U1", 1, va, code, n)
    for va, votes in (("T1-1", (800, 500, 100)), ("T1-2", (700, 500, 200)))
    for code, n in zip("ABC", votes, strict=True)
]
DATA = od.ElectionData(
    name="Bầu cử thử",
    date=dt.date(2021, 5, 23),
    issuer="Ủy ban bầu cử Thành phố Thử",
    issuer_abbreviation="T",
    generated_at=dt.datetime(2021, 5, 23, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))),
    root="T",
    areas=[
        od.AreaInfo("T", "Thành phố Thử", "city", ("T1",), (), 2),
        od.AreaInfo("T1", "Phường Một", "ward", (), ("T1-1", "T1-2"), 2),
    ],
    voting_areas=[od.VotingAreaInfo("T1-1", "Khu vực 1"), od.VotingAreaInfo("T1-2", "Khu vực 2")],
    units=[UNIT],
    precinct_votes=PRECINCTS,
)


def vi(text: str) -> dict:
    return {
        "@type": "ElectionResults.InternationalizedText",
        "Text": [{"@type": "ElectionResults.LanguageString", "Content": text, "Language": "vi"}],
    }


def counts(unit: int, first: int, second: int) -> list[dict]:
    return [
        {"@type": "ElectionResults.VoteCounts", "GpUnitId": gp, "Type": "total", "Count": n}
        for gp, n in (("gp-unit-U1", unit), ("gp-va-T1-1", first), ("gp-va-T1-2", second))
    ]


def report(data: od.ElectionData = DATA) -> dict:
    return json.loads(nist.nist_json(data))


def test_the_nist_report_holds_the_election_worked_out_by_hand():
    body = report()
    election = body.pop("Election")
    assert body.pop("GpUnit") == [
        {
            "@id": "gp-area-T",
            "@type": "ElectionResults.ReportingUnit",
            "Type": "city",
            "Name": vi("Thành phố Thử"),
            "ComposingGpUnitIds": ["gp-area-T1"],
            "TotalSubUnits": 2,
        },
        {
            "@id": "gp-area-T1",
            "@type": "ElectionResults.ReportingUnit",
            "Type": "municipality",
            "Name": vi("Phường Một"),
            "ComposingGpUnitIds": ["gp-va-T1-1", "gp-va-T1-2"],
            "TotalSubUnits": 2,
        },
        {
            "@id": "gp-va-T1-1",
            "@type": "ElectionResults.ReportingUnit",
            "Type": "precinct",
            "Name": vi("Khu vực 1"),
        },
        {
            "@id": "gp-va-T1-2",
            "@type": "ElectionResults.ReportingUnit",
            "Type": "precinct",
            "Name": vi("Khu vực 2"),
        },
        {
            "@id": "gp-unit-U1",
            "@type": "ElectionResults.ReportingUnit",
            "Type": "other",
            "Name": vi("Quốc hội - Đơn vị số 1"),
            "OtherType": "electoral-unit",
            "ComposingGpUnitIds": ["gp-va-T1-1", "gp-va-T1-2"],
            "TotalSubUnits": 2,
            "SubUnitsReported": 2,
            "VotersRegistered": 2000,
            "VotersParticipated": 1800,
        },
    ]
    assert body.pop("Person") == [
        {
            "@id": f"person-{c}",
            "@type": "ElectionResults.Person",
            "FullName": vi(name),
            "DateOfBirth": born,
            "Gender": gender,
        }
        for c, name, born, gender in (
            ("A", "Nguyễn Văn A", "1960-01-02", "male"),
            ("B", "Trần Thị B", "1970-03-04", "female"),
            ("C", "Lê Văn C", "1980-05-06", "male"),
        )
    ]
    assert body == {
        "@type": "ElectionResults.ElectionReport",
        "Format": "summary-contest",
        "GeneratedDate": "2021-05-23T13:00:00Z",
        "Issuer": "Ủy ban bầu cử Thành phố Thử",
        "IssuerAbbreviation": "T",
        "SequenceStart": 1,
        "SequenceEnd": 1,
        "Status": "unofficial-partial",
        "VendorApplicationId": nist.VENDOR_APPLICATION_ID,
    }
    [only] = election
    candidates = only.pop("Candidate")
    contests = only.pop("Contest")
    assert only.pop("BallotCounts") == [
        {
            "@type": "ElectionResults.BallotCounts",
            "GpUnitId": "gp-unit-U1",
            "Type": "total",
            "Round": 1,
            "BallotsCast": 1800,
            "BallotsRejected": 30,
        }
    ]
    assert only == {
        "@type": "ElectionResults.Election",
        "ElectionScopeId": "gp-area-T",
        "StartDate": "2021-05-23",
        "EndDate": "2021-05-23",
        "Type": "general",
        "Name": vi("Bầu cử thử"),
    }
    # One area of two verified: the elected are only projected; C's fate is not yet known.
    assert candidates == [
        {
            "@id": "cand-A",
            "@type": "ElectionResults.Candidate",
            "BallotName": vi("Nguyễn Văn A"),
            "PersonId": "person-A",
            "PostElectionStatus": "projected-winner",
        },
        {
            "@id": "cand-B",
            "@type": "ElectionResults.Candidate",
            "BallotName": vi("Trần Thị B"),
            "PersonId": "person-B",
            "PostElectionStatus": "projected-winner",
        },
        {
            "@id": "cand-C",
            "@type": "ElectionResults.Candidate",
            "BallotName": vi("Lê Văn C"),
            "PersonId": "person-C",
        },
    ]
    assert contests == [
        {
            "@id": "contest-QH-U1",
            "@type": "ElectionResults.CandidateContest",
            "Name": "Quốc hội - Đơn vị số 1",
            "ElectionDistrictId": "gp-unit-U1",
            "NumberElected": 2,
            "VotesAllowed": 2,
            "VoteVariation": "n-of-m",
            "TotalSubUnits": 2,
            "SubUnitsReported": 2,
            "ContestSelection": [
                {
                    "@id": f"sel-{code}",
                    "@type": "ElectionResults.CandidateSelection",
                    "CandidateIds": [f"cand-{code}"],
                    "SequenceOrder": order,
                    "VoteCounts": counts(*numbers),
                }
                for code, order, numbers in (
                    ("A", 1, (1500, 800, 700)),
                    ("B", 2, (1000, 500, 500)),
                    ("C", 3, (300, 100, 200)),
                )
            ],
            # Not certified: still in process (issue #17).
            "CountStatus": [
                {"@type": "ElectionResults.CountStatus", "Status": "in-process", "Type": "total"}
            ],
        }
    ]


def test_the_report_is_compact_utf8_and_the_same_twice():
    raw = nist.nist_json(DATA)
    assert "Nguyễn Văn A".encode() in raw
    assert raw == nist.nist_json(DATA)
    assert raw.endswith(b"}\n") and b": " not in raw


def statuses(data: od.ElectionData) -> dict[str, str | None]:
    return {c["@id"]: c.get("PostElectionStatus") for c in report(data)["Election"][0]["Candidate"]}


def test_a_fully_verified_unit_has_winners_and_the_report_is_complete():
    final = replace(UNIT, rounds=(replace(ROUND_1, verified=2),))
    data = replace(DATA, units=[final])
    assert statuses(data) == {"cand-A": "winner", "cand-B": "winner", "cand-C": "defeated"}
    assert report(data)["Status"] == "unofficial-complete"


def test_those_not_elected_advance_when_an_additional_election_is_due():
    short = replace(ROUND_1, verified=2, elected=("A",), next_round="additional")
    data = replace(DATA, units=[replace(UNIT, rounds=(short,))])
    assert statuses(data) == {
        "cand-A": "winner",
        "cand-B": "advanced-to-runoff",
        "cand-C": "advanced-to-runoff",
    }


def test_an_additional_round_is_a_contest_of_its_own_for_the_seats_left():
    first = replace(ROUND_1, verified=2, elected=("A",), next_round="additional")
    second = od.RoundInfo(2, "additional", 1, 2, 0, 0, 0, 0, 0, 0, (("B", 0), ("C", 0)), ())
    data = replace(DATA, units=[replace(UNIT, rounds=(first, second))])
    body = report(data)
    contests = body["Election"][0]["Contest"]
    assert [(c["@id"], c["Name"], c["NumberElected"]) for c in contests] == [
        ("contest-QH-U1", "Quốc hội - Đơn vị số 1", 2),
        ("contest-QH-U1-r2", "Quốc hội - Đơn vị số 1 (vòng 2: bầu cử thêm)", 1),
    ]
    assert [s["@id"] for s in contests[1]["ContestSelection"]] == ["sel-B-r2", "sel-C-r2"]
    assert [c["VoteCounts"] for c in contests[1]["ContestSelection"]] == [
        [
            {
                "@type": "ElectionResults.VoteCounts",
                "GpUnitId": "gp-unit-U1",
                "Type": "total",
                "Count": 0,
            }
        ]
    ] * 2
    # A keeps the seat won in the first round; the others wait for the second.
    assert statuses(data) == {"cand-A": "winner", "cand-B": None, "cand-C": None}
    assert body["Status"] == "unofficial-partial"


def test_precinct_votes_out_of_unit_order_are_refused():
    stray = [od.PrecinctVote("U9", 1, "T1-1", "A", 1), *PRECINCTS]
    with pytest.raises(ValueError, match="U9"):
        nist.nist_json(replace(DATA, precinct_votes=stray))


def test_a_certified_report_says_so_per_contest_and_for_the_whole_and_its_snapshot():
    final = replace(UNIT, rounds=(replace(ROUND_1, verified=2),))
    data = replace(
        DATA,
        units=[final],
        certified_units=frozenset({"U1"}),
        certified_contests=frozenset({"QH"}),
        sequence=7,
    )
    body = report(data)
    assert (body["Status"], body["SequenceStart"], body["SequenceEnd"]) == ("certified", 7, 7)
    (contest,) = body["Election"][0]["Contest"]
    assert contest["CountStatus"] == [
        {"@type": "ElectionResults.CountStatus", "Status": "completed", "Type": "total"}
    ]
    # Certified units of a contest not yet certified over every council: not the whole.
    assert report(replace(data, certified_contests=frozenset()))["Status"] == (
        "unofficial-complete"
    )
