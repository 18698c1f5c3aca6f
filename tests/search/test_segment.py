import pytest

from search.segment import correct, segment, words

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize(
    "term", ["生命教育", "挫折教育", "留守儿童", "厌学", "校园欺凌", "团体辅导", "家校沟通"]
)
def test_dictionary_terms_stay_whole(term):
    assert term in words(f"学校开展{term}工作", mode="query")
    assert term in segment(f"学校开展{term}工作").split()


def test_index_mode_also_emits_parts_of_compounds():
    indexed = segment("生命教育").split()
    assert {"生命", "教育", "生命教育"} <= set(indexed)


@pytest.mark.parametrize(
    ("variant", "standard"),
    [
        ("家长", "父母"),
        ("离婚", "离异"),
        ("霸凌", "欺凌"),
        ("电子产品", "手机"),
        ("不想上学", "厌学"),
    ],
)
def test_synonyms_index_under_the_standard_word(variant, standard):
    assert standard in segment(f"关于{variant}的问题").split()
    assert variant in segment(f"关于{variant}的问题").split()
    assert words(variant, mode="query") == [standard]


def test_traditional_chinese_becomes_simplified():
    assert words("孩子不想上學怎麼辦", mode="query") == ["厌学"]
    assert "校园欺凌" in segment("校園欺凌")


def test_query_stop_words_and_soft_stop_words():
    assert words("孩子不想上学怎么办", mode="query") == ["厌学"]
    # 孩子 alone is kept: it is all the user asked about.
    assert words("孩子", mode="query") == ["孩子"]
    assert words("的了吗", mode="query") == []


@pytest.mark.parametrize(
    "text", ["", "   ", '" * ( ) OR NEAR -', "😀🙂", "，。！？……", "ADHD 注意力不集中", "x" * 1000]
)
def test_odd_input_yields_only_plain_words(text):
    for word in words(text, mode="query"):
        assert word.isalnum()
    for word in segment(text).split():
        assert word.isalnum()


def test_mixed_chinese_and_english_is_lower_cased():
    assert words("ADHD 注意力不集中", mode="query") == ["adhd", "注意力不集中"]


def test_common_misspellings_are_corrected():
    assert correct("孩子焦滤怎么办") == "孩子焦虑怎么办"
    assert correct("孩子焦虑怎么办") == ""


def test_query_terms_keep_soft_words_and_single_characters_as_optional():
    from search.segment import query_terms

    terms = {t.word: t.core for t in query_terms("孩子总说压力大")}
    assert terms["压力"] is True
    assert terms["孩子"] is False and terms["大"] is False
    assert "怎么" not in {t.word for t in query_terms("压力怎么释放")}


@pytest.mark.parametrize(
    ("word", "parts"),
    [("心理班会", ("心理", "班会")), ("留守儿童", ("留守", "儿童")), ("厌学", ())],
)
def test_compounds_are_split_into_their_dictionary_parts(word, parts):
    from search.segment import word_parts

    assert word_parts(word) == parts


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Question phrases are cut whole and dropped (not 不能, 不会 as required words).
        ("手机能不能带进学校", ["手机", "学校"]),
        ("單親家庭的孩子會不會有問題", ["单亲家庭"]),
        # A grade says how old the child is: it only ranks, like 孩子.
        ("初二的女儿不跟我们说话", ["说话"]),
        # Parents' words for what the content calls 小升初, 考试失利.
        ("孩子刚上初一跟不上", ["小升初", "跟不上"]),
        ("考试考砸了", ["考试", "考试失利"]),
    ],
)
def test_parents_phrasing(query, expected):
    assert words(query, mode="query") == expected


def test_grade_names_and_their_school_names_index_together():
    assert "七年级" in segment("初一的孩子").split()
    assert words("初一 生命教育", mode="query") == ["生命教育"]


def test_a_day_written_with_a_middle_dot_is_one_number():
    assert "525" in segment("关于开展“5·25”心理健康教育宣传月活动的通知").split()
    assert "525" in words("5·25心理健康月", mode="query")
    # A decimal point is left alone.
    assert "525" not in segment("每天睡5.25小时").split()
