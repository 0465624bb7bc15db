"""Seeded Japanese prose for the demo site: varied sentences from a vocabulary and templates.

The text must look like ordinary blog prose to the quality filters (hiragana-rich, sentences of
20-90 characters, few repeated 5-10-grams within a page), so each page draws its sentence
templates without replacement and fills them from topic-specific word lists. Every character
used here exists in JIS X 0208, so the same text can be written as Shift_JIS, EUC-JP and
ISO-2022-JP without loss.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


def words(text: str) -> list[str]:
    return text.split()


# topic: (title word, nouns, places: towns and areas); words are space-separated to keep the table compact.
TOPICS: dict[str, tuple[str, list[str], list[str]]] = {
    "料理": ("料理",
           words("味噌汁 煮物 炊き込みご飯 だし 漬物 焼き魚 卵焼き 野菜炒め "
                  "土鍋 包丁 まな板 季節の野菜 鶏肉 豆腐 ぬか床"),
           words("市場 商店街 港町 農村")),
    "旅行": ("旅",
           words("温泉 路線バス 城下町 駅弁 古い町並み 宿 港町 峠道 "
                  "展望台 地図 時刻表 名物 神社 湖 朝市"),
           words("京都 金沢 松本 函館 尾道 高山")),
    "園芸": ("庭づくり",
           words("朝顔 ミニトマト 苗 鉢植え 腐葉土 肥料 種まき 剪定 "
                  "ハーブ 球根 水やり 花壇 芽 葉 土"),
           words("市民農園 植物園 郊外 近所の公園")),
    "読書": ("本",
           words("文庫本 短編集 図書館 古本屋 随筆 歴史小説 推理小説 詩集 "
                  "栞 書評 新刊 作家 あとがき 登場人物 物語"),
           words("神保町 駅前 古書街 大学の近く")),
    "鉄道": ("鉄道",
           words("ローカル線 車窓 無人駅 特急 時刻表 乗り換え 駅舎 路面電車 "
                  "切符 ホーム 車両 鉄橋 終点 始発 夜行列車"),
           words("沿線 駅前 門司港 大宮")),
    "山歩き": ("山歩き",
           words("登山道 山小屋 尾根 雨具 地図 水筒 頂上 沢 "
                  "雪渓 登山靴 高山植物 雲海 休憩 下山 分岐"),
           words("北アルプス 高尾山 八ヶ岳 奥多摩")),
    "写真": ("写真",
           words("一眼レフ 単焦点レンズ 夕焼け 逆光 構図 三脚 露出 街角 "
                  "白黒写真 フィルム 現像 被写体 光 影 シャッター"),
           words("海辺 商店街 公園 路地裏")),
    "健康": ("健康",
           words("散歩 睡眠 ストレッチ 朝食 水分 姿勢 体重 歩数 "
                  "深呼吸 筋力 食生活 体調 習慣 休息 運動"),
           words("近所 公園 駅前 川沿い")),
    "家計": ("家計",
           words("家計簿 固定費 食費 光熱費 貯金 予算 買い物 ポイント "
                  "通信費 保険 節約 支出 収入 家族会議 レシート"),
           words("商店街 駅前 郊外 近所")),
    "猫": ("猫との暮らし",
           words("子猫 爪とぎ キャットフード 毛づくろい 昼寝 動物病院 首輪 おもちゃ "
                  "窓辺 しっぽ 鳴き声 ブラッシング 体重計 寝床 好物"),
           words("谷中 尾道 港町 近所")),
    "茶": ("お茶",
           words("煎茶 ほうじ茶 急須 湯のみ 茶葉 抹茶 新茶 茶畑 "
                  "お湯の温度 和菓子 茶筒 香り 渋み 甘み 水出し"),
           words("静岡 宇治 狭山 八女")),
    "歴史": ("歴史",
           words("古文書 城跡 街道 宿場町 石碑 寺院 郷土資料館 年表 "
                  "戦国時代 江戸時代 古地図 城主 武将 庶民の暮らし 祭り"),
           words("城下町 門前町 街道沿い 旧市街")),
    "天気": ("空模様",
           words("梅雨 夕立 台風 木枯らし 初雪 晴れ間 雲 気温 "
                  "湿度 天気図 予報 雷 虹 霜 春一番"),
           words("海沿い 盆地 山間 都心")),
    "音楽": ("音楽",
           words("ピアノ 合唱 演奏会 楽譜 ギター 練習曲 音色 リズム "
                  "和音 吹奏楽 民謡 レコード 作曲家 発表会 メトロノーム"),
           words("公民館 駅前 音楽ホール 商店街")),
    "手芸": ("手しごと",
           words("刺しゅう 編み物 毛糸 布 型紙 ミシン ボタン 針 "
                  "糸 手ぬぐい 風呂敷 裁縫箱 端切れ 縫い目 作品"),
           words("日暮里 公民館 商店街 駅前")),
    "自転車": ("自転車",
           words("ロードバイク 坂道 空気入れ サドル 変速機 川沿いの道 輪行 ヘルメット "
                  "ライト タイヤ ペダル 休憩所 地図 補給 整備"),
           words("河川敷 海岸線 峠 街中")),
    "映画": ("映画",
           words("名画座 ミニシアター 字幕 吹き替え 予告編 監督 脚本 主演俳優 "
                  "パンフレット 白黒映画 ドキュメンタリー 映画音楽 上映時間 試写会 原作"),
           words("映画館 下北沢 駅前 商店街")),
    "釣り": ("釣り",
           words("釣り竿 浮き 仕掛け 餌 渓流 アジ 鮎 クーラーボックス "
                  "潮の満ち引き 釣り糸 リール 朝まずめ 船宿 魚拓 防波堤"),
           words("漁港 渓流 湖畔 海辺")),
    "パン": ("パン作り",
           words("強力粉 天然酵母 発酵 生地 オーブン 食パン クロワッサン 焼き色 "
                  "こね台 バター 全粒粉 パン型 ライ麦 焼き上がり 粉の配合"),
           words("パン教室 商店街 駅前 近所")),
    "美術": ("美術館めぐり",
           words("企画展 常設展 油絵 水彩画 浮世絵 彫刻 版画 図録 "
                  "学芸員 額縁 屏風 陶芸 展示室 音声ガイド 絵はがき"),
           words("上野 美術館 画廊 京都")),
}
PEOPLE = ["祖母", "友人", "近所の方", "先輩", "店主", "妻", "夫", "娘", "息子", "同僚", "先生", "知人",
          "母", "父", "弟", "姉", "叔父", "幼なじみ", "隣の家の方", "昔の同級生"]
TIMES = ["先週末", "今朝", "昨年の秋", "三年ほど前", "この春", "先日", "連休の初日", "雨の日の午後",
         "夏の終わり", "年の瀬", "仕事帰り", "日曜日の朝", "学生の頃", "去年の冬", "ある晴れた日", "数日前",
         "お盆休み", "梅雨の晴れ間", "初夏のころ", "寒い朝"]
FEELINGS = ["うれしく", "心地よく", "懐かしく", "楽しく", "新鮮に", "不思議に", "ありがたく", "興味深く"]
# (past, te-form) of verbs that fit any topic noun after について or のことを.
VERBS = [tuple(words(forms)) for forms in (
    "調べた 調べて",
    "学んだ 学んで",
    "記録した 記録して",
    "確かめた 確かめて",
    "考えた 考えて",
    "書き留めた 書き留めて",
    "見直した 見直して",
    "教わった 教わって",
    "勉強した 勉強して",
    "聞いて回った 聞いて回って",
)]
ADJECTIVES = words("奥深い 面白い 難しい 楽しい 興味深い 味わい深い 親しみやすい 身近な")
# A connective opens about one sentence in four, as in ordinary blog prose.
OPENERS = ["ところで、", "実は、", "思い返すと、", "正直に言えば、", "そういえば、", "振り返ってみると、",
           "今にして思えば、", "ちなみに、", "個人的には、", "ただ、", "それから、", "また、"]
OPENER_SHARE = 0.25

# Slots: {n} {n2} {n3} topic nouns, {p} place, {t} time, {who} person, {vp}/{vt} verb forms (past, te),
# {a} adjective, {f} feeling, {k} a number.
TEMPLATES = [
    "{t}、{p}で{n}のことを{vt}みました。",
    "{n}について{vt}いくと、{n2}との意外なつながりが見えてきます。",
    "{who}に教わったやり方で{n}について{vt}みたところ、思っていたより多くのことが分かりました。",
    "{n}は{a}ものだと、あらためて感じる一日でした。",
    "はじめは{n2}のことばかり気にしていましたが、今では{n}のほうに目が向くようになりました。",
    "{p}には{n}を目当てに訪れる人が多く、{t}も大勢の人でにぎわっていました。",
    "{p}に{k}回ほど通って、ようやく{n}のことが分かってきた気がします。",
    "{n}と{n2}を並べて比べたとき、違いがはっきり分かったのが{f}思えました。",
    "{who}は{n}が大好きで、会うたびにその話を聞かせてくれます。",
    "{n}について{vt}おくと、あとで{n2}のことを考えるときにずいぶん助かります。",
    "手間はかかりますが、{n}について{vt}過ごす時間はかけがえのないものです。",
    "{t}に{who}と話した{n}のことを、今でもよく覚えています。",
    "本やインターネットで{n}について{vt}も、実際にやってみないと分からないことがたくさんあります。",
    "{n}の良さは、気負わずに長く付き合えるところにあるのではないでしょうか。",
    "遠回りもしましたが、{n2}のことを見直したおかげで、{n}への理解がぐっと深まりました。",
    "{p}の{who}から、{n}には{k}通りの楽しみ方があると聞きました。",
    "次は{n3}についても、もう少し詳しく調べてみたいと考えています。",
    "{n}に関しては、人によって考え方がかなり違うようです。",
    "慣れないうちは{n}について{vt}いくだけで精一杯でしたが、少しずつ余裕が出てきました。",
    "{f}感じたのは、{n}が思っていた以上に{a}ことでした。",
    "{t}から{n}の記録をつけ始め、気づけば{k}冊目のノートになりました。",
    "{n2}の季節になると、{p}の景色もがらりと変わります。",
    "{who}と一緒に{n}について{vt}いると、時間がたつのを忘れてしまいます。",
    "{n}のことを人にすすめるときは、自分で試した話だけをするようにしています。",
    "この方法なら、初めての人でも{n}のことを気軽に{vt}みられるはずです。",
    "{p}まで足を延ばしたのは、{n}をこの目で確かめたかったからです。",
    "{n}の話をすると、{who}はいつも楽しそうにうなずいてくれます。",
    "気温や天気によって、{n}の様子は日ごとに少しずつ違って見えます。",
    "{n}にまつわる言い伝えが、{p}には今も残っているそうです。",
    "もし迷ったら、まずは{n2}から始めてみるのがよいと思います。",
    "{k}年続けてみて分かったのは、{n}には近道がないということでした。",
    "{n}について{vp}あとは、分かったことをノートに書き留めるようにしています。",
    "{t}の出来事をきっかけに、{n}への見方が大きく変わりました。",
    "{who}が教えてくれた{n}の話には、どこか懐かしい雰囲気がありました。",
    "{n}と向き合う時間が、忙しい毎日のよい区切りになっています。",
    "うまくいかない日もありますが、それも含めて{n}の面白さだと思っています。",
    "{p}で出会った{who}の言葉が、{n}を続ける励みになりました。",
    "写真だけでは伝わらない{n}の魅力を、少しでも言葉にできればと思います。",
    "{n}については、また別の記事で詳しく書くつもりです。",
    "同じ{n}でも、{p}で見るとまったく違う表情を見せてくれます。",
    "{n3}を取り入れてからは、{n}の時間がいっそう充実しました。",
    "{n}について{vt}いるうちに、{n2}の大切さにも気づかされました。",
    "続けるこつは、完璧を目指さずに{n}を肩の力を抜いて楽しむことだと思います。",
    "{t}は{n}のことで行き詰まり、{who}に相談してみました。",
    "{n}に興味を持ったのは、{who}がすすめてくれたのがきっかけでした。",
    "一度に全部やろうとせず、{n}のことは少しずつ{vp}ほうが長続きします。",
    "{p}の小さなお店で、{n}に詳しい方と話し込んでしまいました。",
    "{n}のことをきちんと知るには、思ったよりも時間がかかるものです。",
    "{n}のことを調べ始めたのは、{t}に{who}と話したのがきっかけでした。",
    "{who}によると、{n}は昔と比べてずいぶん身近になったそうです。",
    "{p}で見かけた{n}が気になって、帰り道もずっとそのことを考えていました。",
    "{n}について書いた昔のメモを読み返すと、当時の迷いがよく分かります。",
    "{n}と{n2}のどちらを先にするかで、{who}とちょっとした言い合いになりました。",
    "{n}のことになると、つい時間を忘れて話し込んでしまいます。",
    "{t}に撮った{n}の写真を見返して、思わず笑ってしまいました。",
    "{n}に詳しい{who}が、{p}でのおすすめを書いたメモをくれました。",
    "最近は{n}よりも{n2}のほうに関心が移ってきたように感じます。",
    "{n}のよさを一言で伝えるのは、なかなか難しいものです。",
    "{k}人ほどで集まって、{n}について思い思いに意見を出し合いました。",
    "{n}にかけるお金は、毎月いくらまでと決めておくことにしています。",
    "{p}へ向かう途中で、{n}にまつわる看板がふと目に入りました。",
    "{n}のことを知れば知るほど、分からないことが増えていく気がします。",
    "{t}の{p}は人が少なく、{n}とゆっくり向き合うことができました。",
    "{who}から借りた本に、{n}の意外な歴史が書かれていました。",
    "{n}を話題にすると、初対面の人ともすぐに打ち解けられます。",
    "{n}については、{who}の考え方にいつも助けられています。",
    "この記事を読んで{n}に興味を持つ人が、一人でも増えたらうれしいです。",
    "{n}の奥深さに気づいたのは、始めてから{k}年ほどたってからのことでした。",
    "{who}は、{n}を暮らしの一部としてとても大切にしています。",
    "{n}のために早起きをするのも、慣れてしまえば苦になりません。",
    "{n}と{n2}の関係について、自分なりの考えを少しまとめてみました。",
    "忙しい時期でも、{n}のことを考える時間だけは取るようにしています。",
    "{n}の楽しさを{who}に伝えたくて、つい長話になってしまいました。",
    "{t}は雨が続いたので、家の中で{n}について調べて過ごしました。",
    "{n}に関する小さな集まりが、{p}で月に一度開かれています。",
    "{who}に{n}の話をしたところ、意外にも詳しくて驚きました。",
    "{n}のことで困ったときは、まず{who}に相談するようにしています。",
    "はじめて{n}に触れたときの驚きは、今でも忘れられません。",
    "{n}も{n2}も、手をかけた分だけ応えてくれるところがよく似ています。",
    "{p}の{n}は、地元の人にとってもちょっとした自慢のようです。",
    "{n}をめぐる話題は尽きることがなく、書きたいことがまだたくさんあります。",
    "{k}日かけて{n}のことを調べ、ようやく全体の流れがつかめてきました。",
    "{n}について{who}と話していると、自分の知らない見方に出会えます。",
    "{who}と一緒に向き合っていくうちに、{n}の見え方が少しずつ変わってきました。",
    "{n}と{n2}を組み合わせてみたら、思いのほか相性がよくて驚きました。",
    "{f}思ったのは、{p}の人たちが{n}をとても大事にしていたことです。",
    "あれこれ迷った末に、{n}は{who}のやり方をまねしてみることにしました。",
]
TITLE_PATTERNS = ["{n}と{n2}のこと", "{w}の記録：{n}", "{p}で出会った{n}", "はじめての{n}",
                  "{n}について{vt}みた話", "{w}ノート　{n}について", "{t}の{n}", "{n}と過ごす時間"]
SENTENCE_CHARS = (20, 90)  # the sentence length the quality filters expect of ordinary prose
_FRESH_ATTEMPTS = 30  # fresh slot draws per template before another template is tried


@dataclass
class Article:
    topic: str
    title: str
    paragraphs: list[str]


class ProseGenerator:
    """Builds titles and paragraphs; every choice comes from the `random.Random` passed in.

    One generator never writes the same sentence twice while its vocabulary allows a new one
    (each template has thousands of fillings; only sites of many thousands of pages run out),
    so a site drawn from one generator repeats no sentence: real prose does not, and repeated
    sentences across pages would look like boilerplate to the extractor and to dedup.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()

    def article(self, topic: str, min_paragraphs: int = 3, max_paragraphs: int = 6) -> Article:
        _, nouns, places = TOPICS[topic]
        title = self.title(topic)
        count = self.rng.randint(min_paragraphs, max_paragraphs)
        wanted = min(len(TEMPLATES), count * 5)
        templates = self.rng.sample(TEMPLATES, k=len(TEMPLATES))  # no template twice on one page
        sentences: list[str] = []
        for template in templates:
            sentence = self._fresh(template, nouns, places)
            if sentence is not None:
                sentences.append(sentence)
                if len(sentences) == wanted:
                    break
        while len(sentences) < wanted:  # vocabulary exhausted: repeats are the lesser evil
            sentences.append(self._draw(templates[len(sentences)], nouns, places))
        paragraphs = ["".join(sentences[index * wanted // count : (index + 1) * wanted // count])
                      for index in range(count)]
        return Article(topic, title, paragraphs)

    def title(self, topic: str) -> str:
        word, nouns, places = TOPICS[topic]
        return self.rng.choice(TITLE_PATTERNS).format(w=word, **self._slots(nouns, places))

    def sentence(self, template: str, nouns: list[str], places: list[str]) -> str:
        """`template` filled, new to this generator unless its fillings are used up."""
        return self._fresh(template, nouns, places) or self._draw(template, nouns, places)

    def _fresh(self, template: str, nouns: list[str], places: list[str]) -> str | None:
        shortest, longest = SENTENCE_CHARS
        for _ in range(_FRESH_ATTEMPTS):
            text = self._opener() + template.format(**self._slots(nouns, places))
            if text not in self._used and shortest <= len(text) <= longest:
                self._used.add(text)
                return text
        return None

    def _draw(self, template: str, nouns: list[str], places: list[str]) -> str:
        text = self._opener() + template.format(**self._slots(nouns, places))
        self._used.add(text)
        return text

    def _opener(self) -> str:
        return self.rng.choice(OPENERS) if self.rng.random() < OPENER_SHARE else ""

    def _slots(self, nouns: list[str], places: list[str]) -> dict[str, str]:
        n, n2, n3 = self.rng.sample(nouns, 3)
        verb = self.rng.choice(VERBS)
        return {
            "n": n, "n2": n2, "n3": n3, "p": self.rng.choice(places), "t": self.rng.choice(TIMES),
            "who": self.rng.choice(PEOPLE), "vp": verb[0], "vt": verb[1],
            "a": self.rng.choice(ADJECTIVES), "f": self.rng.choice(FEELINGS),
            "k": str(self.rng.randint(2, 9)),
        }
