//! The syntax tree the grammar builds. Names and entity numbers are resolved afterwards
//! (`resolve.rs`), once the whole module is read, so items may refer to later items.
//! Every reference keeps the byte offset it was written at, for error messages.

use crate::function::SrcLoc;
use crate::module::ImportName;
use crate::types::{Signature, Type};

/// Something written at byte offset `pos`.
#[derive(Clone, Debug)]
pub struct At<T> {
    pub pos: usize,
    pub node: T,
}

pub fn at<T>(pos: usize, node: T) -> At<T> {
    At { pos, node }
}

#[derive(Clone, Debug)]
pub enum ConstExpr<'a> {
    Value { ty: Type, lit: At<&'a str> },
    GlobalGet(At<String>),
    RefNull(Type),
    RefFunc(At<String>),
    Binary(At<&'a str>, Box<[ConstExpr<'a>; 2]>),
}

#[derive(Clone, Debug)]
pub enum GlobalInit<'a> {
    Const(ConstExpr<'a>),
    Import(ImportName),
}

#[derive(Clone, Debug)]
pub enum ElemMode<'a> {
    Active {
        table: At<u32>,
        offset: ConstExpr<'a>,
    },
    Passive,
    Declared,
}

#[derive(Clone, Debug)]
pub enum ExportKind {
    Func(At<String>),
    Global(At<String>),
    Memory,
    Table(At<u32>),
}

#[derive(Clone, Debug)]
pub struct Limits<'a> {
    pub min: At<&'a str>,
    pub max: Option<At<&'a str>>,
    pub import: Option<ImportName>,
}

#[derive(Clone, Debug)]
pub enum Item<'a> {
    Type {
        id: At<u32>,
        sig: Signature,
    },
    Memory {
        pos: usize,
        limits: Limits<'a>,
    },
    Table {
        id: At<u32>,
        ty: Option<At<Type>>,
        limits: Limits<'a>,
    },
    Global {
        name: At<String>,
        mutable: bool,
        ty: Type,
        init: GlobalInit<'a>,
    },
    Data {
        id: At<u32>,
        offset: Option<ConstExpr<'a>>,
        bytes: Vec<u8>,
    },
    Elem {
        id: At<u32>,
        mode: ElemMode<'a>,
        items: Vec<Option<At<String>>>,
    },
    ImportFunc {
        name: At<String>,
        sig: Signature,
        import: ImportName,
    },
    Func {
        name: At<String>,
        sig: Signature,
        blocks: Vec<Block<'a>>,
    },
    Export {
        name: String,
        kind: ExportKind,
    },
    Start(At<String>),
}

#[derive(Clone, Debug)]
pub struct BlockCall {
    pub block: At<u32>,
    pub args: Vec<At<u32>>,
}

#[derive(Clone, Debug)]
pub enum TermKind<'a> {
    Jump(BlockCall),
    Brif {
        cond: At<u32>,
        then_dest: BlockCall,
        else_dest: BlockCall,
    },
    BrTable {
        index: At<u32>,
        targets: Vec<BlockCall>,
        default: BlockCall,
    },
    Return(Vec<At<u32>>),
    Trap(At<&'a str>),
}

/// The operation part of an instruction line, as written.
#[derive(Clone, Debug)]
pub enum InstBody<'a> {
    Const {
        ty: Type,
        lit: At<&'a str>,
    },
    /// Any operation without entity immediates: `i32.add v1, v2`, `i32.load v1 offset=4`.
    Plain {
        mnemonic: At<&'a str>,
        args: Vec<At<u32>>,
        offset: Option<At<&'a str>>,
        /// The byte offset of a `notrap` mark.
        notrap: Option<usize>,
    },
    GlobalGet(At<String>),
    GlobalSet(At<String>, At<u32>),
    MemoryInit(At<u32>, Vec<At<u32>>),
    DataDrop(At<u32>),
    TableSize(At<u32>),
    /// `table.get`, `table.set`, `table.grow`, `table.fill`: the table and the operands.
    TableOp(At<u32>, TableOpKind, Vec<At<u32>>),
    RefNull(Type),
    RefFunc(At<String>),
    TableInit(At<u32>, At<u32>, Vec<At<u32>>),
    TableCopy(At<u32>, At<u32>, Vec<At<u32>>),
    ElemDrop(At<u32>),
    Call(At<String>, Vec<At<u32>>),
    /// Table, signature, callee index, arguments.
    CallIndirect(At<u32>, At<u32>, At<u32>, Vec<At<u32>>),
}

#[derive(Copy, Clone, Debug)]
pub enum TableOpKind {
    Get,
    Set,
    Grow,
    Fill,
}

#[derive(Clone, Debug)]
pub struct Inst<'a> {
    /// Where the operation's name starts.
    pub pos: usize,
    pub srcloc: SrcLoc,
    pub results: Vec<At<u32>>,
    pub body: InstBody<'a>,
}

#[derive(Clone, Debug)]
pub struct Block<'a> {
    pub id: At<u32>,
    pub params: Vec<(At<u32>, Type)>,
    pub insts: Vec<Inst<'a>>,
    pub term: Option<(SrcLoc, TermKind<'a>)>,
}

/// One line of a block, before the block checks that only its last line is a terminator.
#[derive(Clone, Debug)]
pub enum Line<'a> {
    Inst(usize, Inst<'a>),
    Term(usize, SrcLoc, TermKind<'a>),
}

#[derive(Clone, Debug)]
pub enum LineRest<'a> {
    Inst(Vec<At<u32>>, usize, InstBody<'a>),
    Term(TermKind<'a>),
}

/// Groups a block's lines; a terminator must be the last line.
pub fn make_block<'a, T>(
    id: At<u32>,
    params: Vec<(At<u32>, Type)>,
    lines: Vec<Line<'a>>,
) -> Result<Block<'a>, lalrpop_util::ParseError<usize, T, crate::text::lexer::Located>> {
    let mut block = Block {
        id,
        params,
        insts: Vec::new(),
        term: None,
    };
    for line in lines {
        if let Some((_, _)) = &block.term {
            let (Line::Inst(pos, _) | Line::Term(pos, ..)) = line;
            return Err(lalrpop_util::ParseError::User {
                error: crate::text::lexer::Located::new(
                    pos,
                    format!("block{} already ended with its terminator", block.id.node),
                ),
            });
        }
        match line {
            Line::Inst(_, i) => block.insts.push(i),
            Line::Term(_, srcloc, kind) => block.term = Some((srcloc, kind)),
        }
    }
    Ok(block)
}
